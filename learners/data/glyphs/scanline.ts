/**
 * Nonzero-winding scanline fill with supersampling: closed polygons (pixel units, y down) become
 * a coverage image in [0, 1]. Each pixel holds ss x ss sample points at ((i + 0.5) / ss,
 * (j + 0.5) / ss); a sample is inside when the winding number of the polygons around it is not 0
 * (the TrueType and CFF fill rule), and a pixel's coverage is the fraction of its samples inside.
 * Plain loops over float64, so a fill is the same on every machine.
 * @module
 */

import type { Contours } from "./outline.ts";

/**
 * Fills `contours` on a width x height canvas with ss x ss samples per pixel; returns row-major
 * coverage. Parts outside the canvas are clipped.
 */
export function fillNonzero(
  contours: Contours,
  width: number,
  height: number,
  ss = 4,
): Float32Array<ArrayBuffer> {
  const rows = height * ss;
  const cols = width * ss;
  // Pass 1: crossings per sample row (CSR offsets).
  const counts = new Uint32Array(rows + 1);
  forEachEdgeRows(contours, ss, rows, (j0, j1) => {
    for (let j = j0; j < j1; j++) counts[j + 1]!++;
  });
  for (let j = 0; j < rows; j++) counts[j + 1]! += counts[j]!;
  const xs = new Float64Array(counts[rows]!);
  const dirs = new Int8Array(counts[rows]!);
  const fill = counts.slice(0, rows);
  // Pass 2: the x of each crossing and the edge's direction.
  forEachEdgeRows(contours, ss, rows, (j0, j1, x0, y0, x1, y1) => {
    const slope = (x1 - x0) / (y1 - y0);
    const dir = y1 > y0 ? 1 : -1;
    for (let j = j0; j < j1; j++) {
      const k = fill[j]!++;
      xs[k] = x0 + ((j + 0.5) / ss - y0) * slope;
      dirs[k] = dir;
    }
  });
  const out = new Float32Array(width * height);
  const diff = new Int32Array(cols + 1);
  const norm = 1 / (ss * ss);
  for (let py = 0; py < height; py++) {
    diff.fill(0);
    for (let j = py * ss; j < (py + 1) * ss; j++) {
      spansOfRow(xs, dirs, counts[j]!, counts[j + 1]!, ss, cols, diff);
    }
    let run = 0;
    for (let i = 0; i < cols; i++) {
      run += diff[i]!;
      out[py * width + ((i / ss) | 0)]! += run * norm;
    }
  }
  return out;
}

/** Calls `f(j0, j1, x0, y0, x1, y1)` for each non-horizontal edge with its sample rows [j0, j1). */
function forEachEdgeRows(
  contours: Contours,
  ss: number,
  rows: number,
  f: (j0: number, j1: number, x0: number, y0: number, x1: number, y1: number) => void,
): void {
  for (const c of contours) {
    const n = c.length;
    for (let i = 0; i < n; i += 2) {
      const x0 = c[i]!, y0 = c[i + 1]!;
      const x1 = c[(i + 2) % n]!, y1 = c[(i + 3) % n]!;
      if (y0 === y1) continue;
      const lo = Math.min(y0, y1), hi = Math.max(y0, y1);
      const j0 = Math.max(0, Math.ceil(lo * ss - 0.5));
      const j1 = Math.min(rows, Math.ceil(hi * ss - 0.5));
      if (j1 > j0) f(j0, j1, x0, y0, x1, y1);
    }
  }
}

/** Sorts one row's crossings by x and marks the samples where the winding number is not 0. */
function spansOfRow(
  xs: Float64Array,
  dirs: Int8Array,
  from: number,
  to: number,
  ss: number,
  cols: number,
  diff: Int32Array,
): void {
  for (let a = from + 1; a < to; a++) { // insertion sort: rows hold few crossings
    const x = xs[a]!, d = dirs[a]!;
    let b = a - 1;
    while (b >= from && xs[b]! > x) {
      xs[b + 1] = xs[b]!;
      dirs[b + 1] = dirs[b]!;
      b--;
    }
    xs[b + 1] = x;
    dirs[b + 1] = d;
  }
  let winding = 0;
  let start = 0;
  for (let k = from; k < to; k++) {
    const before = winding;
    winding += dirs[k]!;
    if (before === 0 && winding !== 0) start = xs[k]!;
    else if (before !== 0 && winding === 0) {
      const i0 = Math.max(0, Math.ceil(start * ss - 0.5));
      const i1 = Math.min(cols, Math.ceil(xs[k]! * ss - 0.5));
      if (i1 > i0) {
        diff[i0]!++;
        diff[i1]!--;
      }
    }
  }
}
