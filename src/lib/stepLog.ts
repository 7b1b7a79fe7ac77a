// One Worker log line per measured step: `[<scope>] <subject> <step> name=value ...`, numbers only, so that
// the timings and counts of every long-running job read (and parse: bench/close.mjs reads the close's) the
// same way. Date.now() in a Worker advances only across I/O, so a time includes the CPU spent just before.

export function logStep(scope: string, subject: string, step: string, fields: Record<string, number>): void {
  const rest = Object.entries(fields)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  console.log(`[${scope}] ${subject} ${step} ${rest}`);
}
