// The computed genealogy import as chunks: how the plan is serialized, and the statements applying each kind.
import { nowIso } from '../../../lib/db';
import { jsonChunks, MAX_JSON_PARAM } from '../../imports/limits';
import { AsciiWriter } from './asciiWriter';
import { importedReferralCode } from './codes';
import type { ImportPlan } from './compute';
import type { ChunkKind, ImportRow } from './repository';

const OPEN = 91; // [
const CLOSE = 93; // ]
const COMMA = 44;

/** Serializes the plan into chunks: distributors by placement depth, then counter rows, then existing deltas. */
export function planChunks(
  plan: ImportPlan,
  partNo: Int32Array,
  lineInPart: Int32Array,
  months: string[],
  width: number,
): { kind: ChunkKind; payload: string }[] {
  const out: { kind: ChunkKind; payload: string }[] = [];
  const w = new AsciiWriter(MAX_JSON_PARAM + 4096);
  // Rows are written one after the other; a row that would take its chunk to MAX_JSON_PARAM starts the next.
  const emit = (kind: ChunkKind, count: number, row: (k: number) => void) => {
    w.len = 0;
    w.char(OPEN);
    for (let k = 0; k < count; k++) {
      const start = w.len;
      if (start > 1) w.char(COMMA);
      row(k);
      if (start > 1 && w.len + 2 > MAX_JSON_PARAM) {
        out.push({ kind, payload: `${w.text(0, start)}]` });
        // The row (without its comma) opens the next chunk.
        w.buf.copyWithin(1, start + 1, w.len);
        w.len -= start;
      }
    }
    if (w.len > 1) out.push({ kind, payload: `${w.text()}]` });
  };
  // Every value is a number or a string of digits, letters and dots: written as is, no JSON.stringify.
  emit('distributor', plan.applyOrder.length, (k) => {
    const r = plan.applyOrder[k];
    const id = plan.idBase + r;
    const parentNode = plan.placementParent[r];
    w.char(OPEN);
    w.int(partNo[r]);
    w.char(COMMA);
    w.int(lineInPart[r]);
    w.char(COMMA);
    w.int(id);
    w.char(COMMA);
    w.intOrNull(plan.sponsorId(r));
    w.ascii(',"');
    plan.writeSponsorPath(r, w);
    w.ascii('",');
    w.int(plan.sponsorDepth[r]);
    w.char(COMMA);
    w.intOrNull(parentNode < 0 ? null : plan.idOf(parentNode));
    w.char(COMMA);
    w.intOrNull(parentNode < 0 ? null : plan.placementPosition[r]);
    w.ascii(',"');
    plan.writePlacementPath(r, w);
    w.ascii('",');
    w.int(plan.placementDepth[r]);
    w.char(COMMA);
    w.int(plan.childCount[r]);
    w.char(COMMA);
    w.int(plan.childCount[r] < width ? 1 : 0);
    w.char(COMMA);
    w.int(plan.teamSize[r]);
    w.char(COMMA);
    w.int(plan.teamActive[r]);
    w.char(COMMA);
    w.int(plan.placementTeamSize[r]);
    w.ascii(',"');
    w.ascii(importedReferralCode(id));
    w.ascii('"]');
  });
  const triple = (a: number, b: number, c: number) => {
    w.char(OPEN);
    w.int(a);
    w.char(COMMA);
    w.int(b);
    w.char(COMMA);
    w.int(c);
    w.char(CLOSE);
  };
  const lv = plan.levels;
  emit('level', lv.length / 3, (k) => triple(plan.idBase + lv[3 * k], lv[3 * k + 1], lv[3 * k + 2]));
  // Joins come month by month; sorted by (ancestor, month) they insert at the end of the table's key order
  // instead of sweeping the whole table once per month. Counting sort by row, then months within a row.
  const js = plan.joins;
  const count = js.length / 3;
  const rowStart = new Int32Array(partNo.length + 1);
  for (let k = 0; k < count; k++) rowStart[js[3 * k] + 1]++;
  for (let r = 0; r < partNo.length; r++) rowStart[r + 1] += rowStart[r];
  const order = new Int32Array(count);
  const next = rowStart.slice(0, partNo.length);
  for (let k = 0; k < count; k++) order[next[js[3 * k]]++] = k;
  for (let r = 0; r < partNo.length; r++)
    for (let i = rowStart[r] + 1; i < rowStart[r + 1]; i++) {
      const k = order[i];
      let j = i - 1;
      while (j >= rowStart[r] && months[js[3 * order[j] + 1]] > months[js[3 * k + 1]]) {
        order[j + 1] = order[j];
        j--;
      }
      order[j + 1] = k;
    }
  emit('join', count, (i) => {
    const k = order[i];
    w.char(OPEN);
    w.int(plan.idBase + js[3 * k]);
    w.ascii(',"');
    w.ascii(months[js[3 * k + 1]]);
    w.ascii('",');
    w.int(js[3 * k + 2]);
    w.char(CLOSE);
  });
  const ex = plan.existing;
  const existing = (t: string, rows: unknown[]) => {
    for (const json of jsonChunks(rows))
      out.push({ kind: 'existing', payload: `{"t":"${t}","rows":${json}}` });
  };
  existing('team', ex.team);
  existing('placement', ex.placement);
  existing('path', ex.placementByPath);
  existing('level', ex.levels);
  existing(
    'join',
    ex.joins.map(([id, mo, c]) => [id, months[mo], c]),
  );
  return out;
}

const INSERT_DISTRIBUTORS = `INSERT INTO distributor (id, external_id, referral_code, first_name, last_name, search_name,
    email, phone, country, locale, status, joined_at, sponsor_id, sponsor_path, sponsor_depth, placement_parent_id,
    placement_position, placement_path, placement_depth, placement_child_count, placement_open, team_size,
    team_active, placement_team_size, import_id, created_at, updated_at)
  SELECT j.value->>2, s.external_id, coalesce(s.referral_code, j.value->>15), s.first_name, s.last_name,
    s.search_name, s.email, s.phone, s.country, s.locale, s.status, s.joined_at, j.value->>3, j.value->>4,
    j.value->>5, j.value->>6, j.value->>7, j.value->>8, j.value->>9, j.value->>10, j.value->>11, j.value->>12,
    j.value->>13, j.value->>14, ?2, ?3, ?3
  -- jsonb: each row array is parsed once, not once per ->> (text JSON is re-parsed by every extraction).
  -- CROSS JOIN keeps jsonb_each outside: one primary-key lookup per row, not a scan of the staged rows.
  FROM jsonb_each(jsonb(?1)) j
  CROSS JOIN genealogy_import_row s ON s.import_id = ?2 AND s.part_no = j.value->>0 AND s.line = j.value->>1`;

export function chunkStatements(
  db: D1Database,
  imp: ImportRow,
  kind: ChunkKind,
  payload: string,
  width: number,
) {
  switch (kind) {
    case 'distributor':
      return [db.prepare(INSERT_DISTRIBUTORS).bind(payload, imp.id, nowIso())];
    case 'level':
      return [
        db
          .prepare(
            'INSERT INTO downline_level (ancestor_id, level, members) SELECT value->>0, value->>1, value->>2 FROM jsonb_each(jsonb(?))',
          )
          .bind(payload),
      ];
    case 'join':
      return [
        db
          .prepare(
            'INSERT INTO downline_joins (ancestor_id, month, members) SELECT value->>0, value->>1, value->>2 FROM jsonb_each(jsonb(?))',
          )
          .bind(payload),
      ];
    case 'existing': {
      const { t, rows } = JSON.parse(payload) as { t: string; rows: unknown[] };
      const json = JSON.stringify(rows);
      const sql = {
        team: `UPDATE distributor SET team_size = team_size + j.value->>1, team_active = team_active + j.value->>2
               FROM jsonb_each(jsonb(?1)) j WHERE distributor.id = j.value->>0`,
        placement: `UPDATE distributor SET placement_team_size = placement_team_size + j.value->>1,
                 placement_child_count = placement_child_count + j.value->>2,
                 placement_open = CASE WHEN placement_child_count + j.value->>2 < ?2 THEN 1 ELSE 0 END
               FROM jsonb_each(jsonb(?1)) j WHERE distributor.id = j.value->>0`,
        path: `UPDATE distributor SET placement_team_size = placement_team_size + j.value->>1
               FROM jsonb_each(jsonb(?1)) j WHERE distributor.placement_path = j.value->>0`,
        level: `INSERT INTO downline_level (ancestor_id, level, members)
                SELECT value->>0, value->>1, value->>2 FROM jsonb_each(jsonb(?1)) WHERE true
                ON CONFLICT (ancestor_id, level) DO UPDATE SET members = members + excluded.members`,
        join: `INSERT INTO downline_joins (ancestor_id, month, members)
               SELECT value->>0, value->>1, value->>2 FROM jsonb_each(jsonb(?1)) WHERE true
               ON CONFLICT (ancestor_id, month) DO UPDATE SET members = members + excluded.members`,
      }[t]!;
      const stmt = db.prepare(sql);
      return [t === 'placement' ? stmt.bind(json, width) : stmt.bind(json)];
    }
  }
}
