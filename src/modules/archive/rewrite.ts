// Rewriting archived raw lead events in place (a GDPR erasure, issue 15 §3): the archive is the one copy of an
// archived event's body, so an erased person's delivery is rewritten in its chunk: the chunk is encoded again,
// put under the same key, and its checksum and size are updated in archive_chunk and the manifest. A reader
// that meets the object between the put and the index update gets a checksum error (never a wrong answer) and
// succeeds on its next try.
import { encodeChunk, putChunk, readChunkRows } from './chunks';
import { chunkKey, manifestKey } from './model';

/**
 * Lead events of these leads whose bodies are archived, with their period and whether the delivery carried other
 * leads too (`shared`: its body is scrubbed, not wiped, as the live erasure does).
 */
export async function archivedLeadEventsOf(
  db: D1Database,
  leadIds: readonly number[],
): Promise<{ id: number; period: string; shared: number }[]> {
  if (leadIds.length === 0) return [];
  const { results } = await db
    .prepare(
      `SELECT e.id, json_extract(e.body, '$.archived') AS period,
         (SELECT count(*) FROM lead_intake o WHERE o.event_id = e.id
            AND (o.lead_id IS NULL OR o.lead_id NOT IN (SELECT value FROM json_each(?1)))) AS shared
       FROM lead_event e
       WHERE e.id IN (SELECT event_id FROM lead_intake WHERE lead_id IN (SELECT value FROM json_each(?1)))
         AND e.body LIKE '{"archived":%' AND json_valid(e.body) AND json_extract(e.body, '$.archived') IS NOT NULL`,
    )
    .bind(JSON.stringify(leadIds))
    .all<{ id: number; period: string; shared: number }>();
  return results;
}

interface LeadEventChunk {
  period_id: string;
  chunk: number;
  sha256: string;
}

/** Rewrites the archived rows of these events with `rewrite` (a row it returns unchanged is left as it is). */
export async function rewriteArchivedLeadEvents(
  db: D1Database,
  files: R2Bucket,
  events: readonly { id: number; period: string }[],
  rewrite: (row: Record<string, unknown>) => Record<string, unknown>,
): Promise<number> {
  let rewritten = 0;
  const byPeriod = new Map<string, Set<number>>();
  for (const e of events) byPeriod.set(e.period, (byPeriod.get(e.period) ?? new Set()).add(e.id));
  for (const [period, ids] of byPeriod) {
    const { results: chunks } = await db
      .prepare(
        `SELECT DISTINCT c.period_id, c.chunk, c.sha256 FROM archive_chunk c, json_each(?2) j
         WHERE c.period_id = ?1 AND c.part = 'lead_event' AND j.value BETWEEN c.first_key AND c.last_key`,
      )
      .bind(period, JSON.stringify([...ids]))
      .all<LeadEventChunk>();
    const changed: { chunk: number; sha256: string; bytes: number }[] = [];
    for (const c of chunks) {
      const key = chunkKey(period, 'lead_event', c.chunk);
      const rows = await readChunkRows<Record<string, unknown>>(files, key, c.sha256);
      let touched = false;
      const next = rows.map((row) => {
        if (!ids.has(Number(row.id))) return row;
        const out = rewrite(row);
        if (JSON.stringify(out) !== JSON.stringify(row)) touched = true;
        return out;
      });
      if (!touched) continue;
      const encoded = await encodeChunk(next);
      await putChunk(files, key, encoded);
      await db
        .prepare(
          `UPDATE archive_chunk SET sha256 = ?4, bytes = ?5 WHERE period_id = ?1 AND part = 'lead_event' AND chunk = ?2 AND sha256 = ?3`,
        )
        .bind(period, c.chunk, c.sha256, encoded.sha256, encoded.bytes.length)
        .run();
      changed.push({ chunk: c.chunk, sha256: encoded.sha256, bytes: encoded.bytes.length });
      rewritten += next.filter((r) => ids.has(Number(r.id))).length;
    }
    if (changed.length > 0) await updateManifest(files, period, changed);
  }
  return rewritten;
}

async function updateManifest(
  files: R2Bucket,
  period: string,
  changed: readonly { chunk: number; sha256: string; bytes: number }[],
): Promise<void> {
  const object = await files.get(manifestKey(period));
  if (!object) return; // written at verification; a period still being written has none yet
  const manifest = (await object.json()) as {
    parts?: { lead_event?: { chunks?: { key: string; sha256: string; bytes: number }[] } };
  };
  const list = manifest.parts?.lead_event?.chunks ?? [];
  for (const c of changed) {
    const entry = list.find((e) => e.key === chunkKey(period, 'lead_event', c.chunk));
    if (entry) {
      entry.sha256 = c.sha256;
      entry.bytes = c.bytes;
    }
  }
  await files.put(manifestKey(period), JSON.stringify(manifest), {
    httpMetadata: { contentType: 'application/json' },
  });
}
