// The order import's volume deltas: once every order chunk is in, the new orders' PV/CV rolled up the
// whole sponsor tree in typed arrays and stored as volume chunks (applied, or taken back, with APPLY_VOLUME).
import { atomic } from '../../../lib/db';
import { loadSettings } from '../../company/settings';
import { logImportStep } from '../../imports/steps';
import type { OrderImportRow } from './repository';
import { buildTree, type PeriodDeltas, rollUp, type SponsorTree } from './rollup';
import { ORDER_IMPORT } from './table';

const READ_CHUNK = 100_000;
/** Largest volume payload per chunk (characters). */
const VOLUME_JSON = 1_500_000;

export const APPLY_VOLUME = `INSERT INTO volume (distributor_id, period, pv, cv, customer_pv, customer_cv, gv, gcv,
    qualified_downline)
  SELECT value->>0, ?2, ?3 * (value->>1), ?3 * (value->>2), ?3 * (value->>3), ?3 * (value->>4), ?3 * (value->>5),
    ?3 * (value->>6), ?3 * (value->>7)
  FROM jsonb_each(jsonb(?1)) WHERE true
  ON CONFLICT (distributor_id, period) DO UPDATE SET pv = pv + excluded.pv, cv = cv + excluded.cv,
    customer_pv = customer_pv + excluded.customer_pv, customer_cv = customer_cv + excluded.customer_cv,
    gv = gv + excluded.gv, gcv = gcv + excluded.gcv, qualified_downline = qualified_downline + excluded.qualified_downline`;

/** The whole sponsor tree in typed arrays, read in keyset chunks. */
async function loadTree(db: D1Database): Promise<{ tree: SponsorTree; indexOf: Int32Array }> {
  const stats = await db
    .prepare('SELECT count(*) AS n, coalesce(max(id), 0) AS maxId FROM distributor')
    .first<{ n: number; maxId: number }>();
  const n = stats!.n;
  const ids = new Int32Array(n);
  const sponsors = new Int32Array(n);
  const depths = new Int32Array(n);
  const indexOf = new Int32Array(stats!.maxId + 1).fill(-1);
  let i = 0;
  let after = 0;
  while (i < n) {
    const rows = await db
      .prepare(
        'SELECT id, coalesce(sponsor_id, 0), sponsor_depth FROM distributor WHERE id > ? ORDER BY id LIMIT ?',
      )
      .bind(after, READ_CHUNK)
      .raw<[number, number, number]>();
    if (rows.length === 0) break;
    for (const [id, sponsor, depth] of rows) {
      if (i >= n || id >= indexOf.length)
        throw new Error('Members were enrolled while the import computed volumes.');
      ids[i] = id;
      sponsors[i] = sponsor;
      depths[i] = depth;
      indexOf[id] = i++;
    }
    after = rows[rows.length - 1][0];
  }
  const tree = buildTree(
    ids.subarray(0, i),
    sponsors.subarray(0, i),
    depths.subarray(0, i),
    (id) => indexOf[id],
  );
  return { tree, indexOf };
}

/** Own volume per member of one period, with their PV before the import, in keyset chunks. */
async function loadDeltas(
  db: D1Database,
  importId: number,
  period: string,
  indexOf: Int32Array,
): Promise<PeriodDeltas> {
  const index: number[] = [];
  const cols: number[][] = [[], [], [], [], []];
  let after = 0;
  for (;;) {
    const rows = await db
      .prepare(
        `SELECT s.distributor_id, s.pv, s.cv, s.customer_pv, s.customer_cv, coalesce(v.pv, 0)
         FROM order_import_volume s LEFT JOIN volume v ON v.distributor_id = s.distributor_id AND v.period = s.period
         WHERE s.import_id = ?1 AND s.period = ?2 AND s.distributor_id > ?3 ORDER BY s.distributor_id LIMIT ?4`,
      )
      .bind(importId, period, after, READ_CHUNK)
      .raw<[number, number, number, number, number, number]>();
    if (rows.length === 0) break;
    for (const r of rows) {
      index.push(indexOf[r[0]]);
      for (let k = 0; k < 5; k++) cols[k].push(r[k + 1]);
    }
    after = rows[rows.length - 1][0];
  }
  return {
    index: Int32Array.from(index),
    pv: Float64Array.from(cols[0]),
    cv: Float64Array.from(cols[1]),
    customerPv: Float64Array.from(cols[2]),
    customerCv: Float64Array.from(cols[3]),
    oldPv: Float64Array.from(cols[4]),
  };
}

/**
 * Rolls the imported own volume up the sponsor tree, period by period, and stores the deltas as volume
 * chunks. Deterministic chunk numbers and ON CONFLICT DO NOTHING: a duplicate run changes nothing.
 */
export async function computeVolumes(db: D1Database, imp: OrderImportRow): Promise<void> {
  const t0 = Date.now();
  const settings = await loadSettings(db);
  const { tree, indexOf } = await loadTree(db);
  logImportStep(ORDER_IMPORT, imp.id, 'volumes.tree', { members: tree.size, ms: Date.now() - t0 });
  const { results: periods } = await db
    .prepare('SELECT DISTINCT period FROM order_import_volume WHERE import_id = ? ORDER BY period')
    .bind(imp.id)
    .all<{ period: string }>();
  const insert = db.prepare(
    `INSERT INTO order_import_chunk (import_id, chunk_no, kind, period, payload) VALUES (?, ?, 'volume', ?, ?)
     ON CONFLICT (import_id, chunk_no) DO NOTHING`,
  );
  let chunkNo = imp.order_chunks!;
  let pending: D1PreparedStatement[] = [];
  const flushPending = async (force: boolean) => {
    if (pending.length >= 4 || (force && pending.length)) {
      await atomic(db, pending);
      pending = [];
    }
  };
  for (const { period } of periods) {
    const tp = Date.now();
    const deltas = await loadDeltas(db, imp.id, period, indexOf);
    const tr = Date.now();
    let buf: string[] = [];
    let size = 2;
    const first = chunkNo;
    const store = async () => {
      pending.push(insert.bind(imp.id, chunkNo++, period, `[${buf.join(',')}]`));
      buf = [];
      size = 2;
      await flushPending(false);
    };
    for (const row of rollUp(tree, deltas, settings.activePv)) {
      const s = JSON.stringify(row);
      if (buf.length && size + s.length + 1 > VOLUME_JSON) await store();
      buf.push(s);
      size += s.length + 1;
    }
    if (buf.length) await store();
    logImportStep(ORDER_IMPORT, imp.id, `volumes.${period}`, {
      members: deltas.index.length,
      readMs: tr - tp,
      chunks: chunkNo - first,
      rollUpAndStoreMs: Date.now() - tr,
    });
  }
  await flushPending(true);
  const count = chunkNo - imp.order_chunks!;
  await db
    .prepare(
      `UPDATE order_import SET volume_chunks = ?, step = 'volumes', done = 0, total = ?
       WHERE id = ? AND volume_chunks IS NULL`,
    )
    .bind(count, count, imp.id)
    .run();
}
