// Typed-array columns that grow by doubling (the engine, the close and explain keep big member and line
// columns in typed arrays: a fraction of the memory of arrays of objects).

type Column = Int8Array | Uint8Array | Int32Array | Uint32Array | Float64Array;

/** A copy of `a`, twice as long (at least 16), same type, with a's values in front. */
export function grown<T extends Column>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(Math.max(a.length * 2, 16));
  b.set(a);
  return b;
}
