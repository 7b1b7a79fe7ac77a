// Writes a network as NDJSON import rows, in parts of at most `maxPartBytes` each (parents always come
// before their children, in join order).

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asciiFold, COUNTRIES } from './names.mjs';
import { externalId, joinedAt } from './network.mjs';
import { createRandom } from './prng.mjs';

/** Country of each member: usually the sponsor's (networks grow through people one knows). */
function chooseCountries(net, rnd) {
  const country = new Uint8Array(net.size);
  const pickWeighted = () => {
    let u = rnd.next();
    for (let c = 0; c < COUNTRIES.length; c++) {
      u -= COUNTRIES[c].weight;
      if (u < 0) return c;
    }
    return COUNTRIES.length - 1;
  };
  country[0] = 0;
  for (let i = 1; i < net.size; i++)
    country[i] = rnd.next() < 0.85 ? country[net.sponsor[i]] : pickWeighted();
  return country;
}

export function row(net, i, country, rnd) {
  const c = COUNTRIES[country[i]];
  const firstName = rnd.pick(c.first);
  const lastName = rnd.pick(c.last);
  const s = net.sponsor[i];
  const p = net.pparent[i];
  return {
    externalId: externalId(i),
    sponsorExternalId: s >= 0 ? externalId(s) : null,
    placementParentExternalId: p >= 0 ? externalId(p) : null,
    placementPosition: p >= 0 ? net.ppos[i] : null,
    firstName,
    lastName,
    email: `${asciiFold(firstName)}.${asciiFold(lastName)}.${i + 1}@${c.domain}`,
    country: c.code,
    locale: c.locale,
    joinedAt: new Date(joinedAt(i, net.size, rnd.next())).toISOString(),
  };
}

/** Writes part-0001.ndjson, part-0002.ndjson, ... into `dir`; returns their paths and sizes. */
export function writeParts(net, dir, maxPartBytes = 8 * 1024 * 1024, mapRow = (r) => r) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const rnd = createRandom(net.seed + 1);
  const country = chooseCountries(net, rnd);
  const parts = [];
  let lines = [];
  let bytes = 0;
  let firstRow = 0;
  const flush = (end) => {
    if (lines.length === 0) return;
    const file = join(dir, `part-${String(parts.length + 1).padStart(4, '0')}.ndjson`);
    writeFileSync(file, lines.join(''));
    parts.push({ file, bytes, rows: lines.length, firstRow, endRow: end });
    lines = [];
    bytes = 0;
    firstRow = end;
  };
  for (let i = 0; i < net.size; i++) {
    const line = JSON.stringify(mapRow(row(net, i, country, rnd))) + '\n';
    const n = Buffer.byteLength(line);
    if (bytes + n > maxPartBytes) flush(i);
    lines.push(line);
    bytes += n;
  }
  flush(net.size);
  return parts;
}
