/**
 * How the simulator lays out an ARRAY: one flat JavaScript array of all elements, the last
 * subscript varying fastest (row-major, as IEC 61131-3 §6.4.4.5's initialisation order lists
 * the elements). The element count and the two walks between subscripts and flat offset live
 * here only, so the generated code, `get`/`set` paths and `listTimers` agree on one layout.
 */

/** One dimension's bounds, `lo..hi` as declared. */
export interface ArrayDim {
  lo: number;
  hi: number;
}

/**
 * The number of elements of an array of these dimensions (0 with an empty `n..n-1` one); -1 when
 * a dimension's upper bound lies further below its lower (IEC 61131-3 §6.4.4.5 asks lo ≤ hi; the
 * checker lets it through, and the bare product of two such dimensions was a positive, wrong count).
 */
export function elementCount(dims: readonly ArrayDim[]): number {
  let n = 1;
  for (const d of dims) {
    if (d.hi < d.lo - 1) return -1;
    n *= d.hi - d.lo + 1;
  }
  return n;
}

/**
 * The step in the flat array of one unit of each subscript: 1 for the last dimension, the
 * product of the later dimensions' sizes for the others. The generated code's subscript
 * arithmetic and the two walks below all use it.
 */
export function strides(dims: readonly ArrayDim[]): number[] {
  const out = new Array<number>(dims.length);
  let step = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    const d = dims[i] as ArrayDim;
    out[i] = step;
    step *= d.hi - d.lo + 1;
  }
  return out;
}

/** The flat offset of in-bounds subscripts (one per dimension; bounds are the caller's check). */
export function flatOffset(dims: readonly ArrayDim[], indices: readonly number[]): number {
  const step = strides(dims);
  let off = 0;
  dims.forEach((d, i) => {
    off += ((indices[i] as number) - d.lo) * (step[i] as number);
  });
  return off;
}

/** The subscripts of the element at a flat offset: the inverse of {@link flatOffset}. */
export function subscriptsAt(dims: readonly ArrayDim[], offset: number): number[] {
  const step = strides(dims);
  let rest = offset;
  return dims.map((d, i) => {
    const k = Math.floor(rest / (step[i] as number));
    rest -= k * (step[i] as number);
    return d.lo + k;
  });
}
