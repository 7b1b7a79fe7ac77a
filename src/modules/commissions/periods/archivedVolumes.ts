// The volume lines of an archived period (archive/periodRows.ts), fed to the engine or explain like the live
// ones: the same rows as readVolumeLines selects, turned into lines by the same code.
import { archivedVolumeLines } from '../../archive/periodRows';
import type { VolumeLines } from '../engine';
import { addLineRows, LineColumns } from './volumeLines';

export async function readArchivedVolumeLines(
  db: D1Database,
  files: R2Bucket,
  periodId: string,
  bounds: { start: number; end: number },
  ids: Int32Array,
  sink: (chunk: VolumeLines) => void,
  /** Only the chunks holding one of these member ids (sorted), when given. */
  members?: Int32Array,
): Promise<void> {
  await archivedVolumeLines(
    db,
    files,
    periodId,
    (rows, sign) => {
      const cols = new LineColumns();
      addLineRows(cols, bounds, ids, rows, sign);
      if (cols.count > 0) sink(cols.toLines());
    },
    members,
  );
}
