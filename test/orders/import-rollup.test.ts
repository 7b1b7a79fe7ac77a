import { describe, expect, it } from 'vitest';
import { buildTree, rollUp } from '../../src/modules/orders/import/rollup';
import { prng } from '../lib/prng';

// The typed-array roll-up of the order import against a naive walk up each member's sponsor chain.

describe('order import roll-up', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`matches a naive walk up the sponsor chains (random tree ${seed})`, () => {
      const rand = prng(seed);
      const n = 2 + Math.floor(rand() * 300);
      // Ids out of order and with gaps; a sponsor may have a larger id than its recruit (after moves).
      const ids = Array.from({ length: n }, (_, i) => 10 + i * 3);
      for (let i = n - 1; i > 0; i--) {
        const j = 1 + Math.floor(rand() * i);
        [ids[i], ids[j]] = [ids[j], ids[i]];
      }
      const sponsorOf = new Map<number, number>();
      const depthOf = new Map<number, number>([[ids[0], 0]]);
      for (let i = 1; i < n; i++) {
        const s = ids[Math.floor(rand() * i)];
        sponsorOf.set(ids[i], s);
        depthOf.set(ids[i], depthOf.get(s)! + 1);
      }
      // Read order: by id, as the import reads the table.
      const byId = [...ids].sort((a, b) => a - b);
      const index = new Map(byId.map((id, i) => [id, i]));
      const tree = buildTree(
        Int32Array.from(byId),
        Int32Array.from(byId.map((id) => sponsorOf.get(id) ?? 0)),
        Int32Array.from(byId.map((id) => depthOf.get(id)!)),
        (id) => index.get(id)!,
      );
      const activePv = 100;
      const buyers = byId.filter(() => rand() < 0.4);
      const own = new Map(
        buyers.map((id) => [
          id,
          {
            pv: Math.floor(rand() * 150),
            cv: Math.floor(rand() * 9000),
            old: rand() < 0.3 ? Math.floor(rand() * 200) : 0,
          },
        ]),
      );
      const rows = new Map<number, number[]>();
      for (const row of rollUp(
        tree,
        {
          index: Int32Array.from(buyers.map((id) => index.get(id)!)),
          pv: Float64Array.from(buyers.map((id) => own.get(id)!.pv)),
          cv: Float64Array.from(buyers.map((id) => own.get(id)!.cv)),
          customerPv: Float64Array.from(buyers.map((id) => Math.floor(own.get(id)!.pv / 2))),
          customerCv: Float64Array.from(buyers.map((id) => Math.floor(own.get(id)!.cv / 2))),
          oldPv: Float64Array.from(buyers.map((id) => own.get(id)!.old)),
        },
        activePv,
      )) {
        expect(rows.has(row[0])).toBe(false);
        rows.set(row[0], row.slice(1));
      }
      // Naive: every buyer's volume and qualification crossing walks up its chain.
      const expected = new Map<number, number[]>();
      const at = (id: number) => {
        if (!expected.has(id)) expected.set(id, [0, 0, 0, 0, 0, 0, 0]);
        return expected.get(id)!;
      };
      for (const [id, v] of own) {
        const e = at(id);
        e[0] += v.pv;
        e[1] += v.cv;
        e[2] += Math.floor(v.pv / 2);
        e[3] += Math.floor(v.cv / 2);
        const crossed = Number(v.old + v.pv >= activePv) - Number(v.old >= activePv);
        for (
          let a: number | undefined = id, first = true;
          a !== undefined;
          a = sponsorOf.get(a), first = false
        ) {
          const x = at(a);
          x[4] += v.pv;
          x[5] += v.cv;
          if (!first) x[6] += crossed;
        }
      }
      for (const [id, e] of [...expected]) if (e.every((x) => x === 0) && !own.has(id)) expected.delete(id);
      expect(Object.fromEntries([...rows].sort((a, b) => a[0] - b[0]))).toEqual(
        Object.fromEntries([...expected].sort((a, b) => a[0] - b[0])),
      );
    });
  }
});
