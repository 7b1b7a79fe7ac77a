// Scripted failures shared by the provider fakes: the next sends to one recipient get these answers, in
// order, before the fake accepts again.
export interface ScriptedAnswer {
  status: number;
  /** Provider error code (Twilio's numeric code, GatewayAPI's hex code, Resend's error name). */
  code?: string | number;
  message?: string;
  retryAfter?: string;
  /** Accept the message, then answer with this status (a provider that took it and failed to say so). */
  acceptedAnyway?: boolean;
  /** Accept the message, then drop the connection: the caller gets no answer (Twilio fake + withResets). */
  reset?: boolean;
}

export class Script {
  private readonly byRecipient = new Map<string, ScriptedAnswer[]>();
  set(to: string, answers: ScriptedAnswer[]) {
    this.byRecipient.set(to, [...answers]);
  }
  next(to: string): ScriptedAnswer | undefined {
    return this.byRecipient.get(to)?.shift();
  }
}

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });

export const hex = (n: number) =>
  Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('');
