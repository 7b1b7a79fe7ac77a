// Materialized paths: pure helpers, no I/O. See migrations/0001_foundation.sql for the encoding.

/** Sponsor-path segment of one member: decimal id followed by '.' (SQL can build it too: `id || '.'`). */
export function sponsorSegment(id: number): string {
  return id + '.';
}

export function childSponsorPath(parentPath: string, id: number): string {
  return parentPath + sponsorSegment(id);
}

/** Half-open range [lo, hi) of every sponsor path in the subtree rooted at `path` (the root included). */
export function sponsorSubtreeRange(path: string): [string, string] {
  // '/' sorts right after '.', and before every digit.
  return [path, path.slice(0, -1) + '/'];
}

/** Ids on a sponsor path, root first, the member last. */
export function sponsorPathIds(path: string): number[] {
  const ids: number[] = [];
  let start = 0;
  for (let i = 0; i < path.length; i++) {
    if (path.charCodeAt(i) === 46 /* . */) {
      ids.push(Number(path.slice(start, i)));
      start = i + 1;
    }
  }
  return ids;
}

const DIGITS = '0123456789abcdefghijklmnopqrstuvwxyz';

export function positionDigit(position: number): string {
  if (!Number.isInteger(position) || position < 0 || position >= DIGITS.length) {
    throw new RangeError(`placement position out of range: ${position}`);
  }
  return DIGITS[position];
}

export function childPlacementPath(parentPath: string, position: number): string {
  return parentPath + positionDigit(position);
}

/** Half-open range [lo, hi) of every placement path in the subtree rooted at `path` (the root included). */
export function placementSubtreeRange(path: string): [string, string] {
  return [path, path + '~'];
}

/** Placement paths of every ancestor, the root ("") first, the parent last. */
export function placementAncestorPaths(path: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < path.length; i++) out.push(path.slice(0, i));
  return out;
}

export function isInSponsorSubtree(rootPath: string, path: string): boolean {
  return path.startsWith(rootPath);
}

export function isInPlacementSubtree(rootPath: string, path: string): boolean {
  return path.startsWith(rootPath);
}
