/**
 * Glyph outlines as flat polygons: the path commands of a glyph (opentype.js, font units, y up)
 * flattened into closed contours of points, curves cut into a fixed number of pieces that depends
 * only on the curve's control polygon, so the same glyph always gives the same points.
 * @module
 */

/** A path command as opentype.js gives it (font units, y up). */
export interface PathCommand {
  /** M, L, Q, C or Z. */
  type: string;
  /** End point. */
  x?: number;
  /** End point. */
  y?: number;
  /** First control point (Q, C). */
  x1?: number;
  /** First control point (Q, C). */
  y1?: number;
  /** Second control point (C). */
  x2?: number;
  /** Second control point (C). */
  y2?: number;
}

/** Closed contours, each a flat list x0, y0, x1, y1, ... (the last point joins the first). */
export type Contours = Float64Array[];

/** The box around every point of `contours`: [xMin, yMin, xMax, yMax]; NaNs when empty. */
export function contourBox(contours: Contours): [number, number, number, number] {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const c of contours) {
    for (let i = 0; i < c.length; i += 2) {
      const x = c[i]!, y = c[i + 1]!;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return x0 === Infinity ? [NaN, NaN, NaN, NaN] : [x0, y0, x1, y1];
}

/** Pieces a curve is cut into: grows with the square root of its control polygon, 1 to 24. */
function pieces(length: number, em: number): number {
  return Math.max(1, Math.min(24, Math.ceil(Math.sqrt(length / (em * 0.002)))));
}

/**
 * Flattens path commands into contours. `em` is the font's units per em (it sets the flatness).
 * Contours with fewer than 3 points are dropped (they enclose nothing).
 */
export function flattenPath(commands: readonly PathCommand[], em: number): Contours {
  const out: Contours = [];
  let pts: number[] = [];
  let x = 0, y = 0;
  const close = () => {
    if (pts.length >= 6) out.push(Float64Array.from(pts));
    pts = [];
  };
  for (const c of commands) {
    const cx = c.x ?? 0, cy = c.y ?? 0;
    if (c.type === "M") {
      close();
      pts.push(cx, cy);
    } else if (c.type === "L") {
      pts.push(cx, cy);
    } else if (c.type === "Q") {
      const ax = c.x1!, ay = c.y1!;
      const n = pieces(Math.hypot(ax - x, ay - y) + Math.hypot(cx - ax, cy - ay), em);
      for (let k = 1; k <= n; k++) {
        const t = k / n, u = 1 - t;
        pts.push(u * u * x + 2 * u * t * ax + t * t * cx, u * u * y + 2 * u * t * ay + t * t * cy);
      }
    } else if (c.type === "C") {
      const ax = c.x1!, ay = c.y1!, bx = c.x2!, by = c.y2!;
      const len = Math.hypot(ax - x, ay - y) + Math.hypot(bx - ax, by - ay) +
        Math.hypot(cx - bx, cy - by);
      const n = pieces(len, em);
      for (let k = 1; k <= n; k++) {
        const t = k / n, u = 1 - t;
        const a = u * u * u, b = 3 * u * u * t, d = 3 * u * t * t, e = t * t * t;
        pts.push(a * x + b * ax + d * bx + e * cx, a * y + b * ay + d * by + e * cy);
      }
    } else if (c.type === "Z") {
      close();
      continue;
    }
    x = cx;
    y = cy;
  }
  close();
  return out;
}
