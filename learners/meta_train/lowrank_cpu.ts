/**
 * Plain-loop twins of the factored meta loop's kernels (learners/meta_train/lowrank_loop.ts gives
 * the mathematics): `lowrankProjectCpu` (shaders/lowrank_project.wgsl), `lowrankInnerCpu`
 * (shaders/lowrank_inner.wgsl) and `lowrankOuterCpu` (shaders/lowrank_outer.wgsl). They are the
 * specification the kernels are tested against, and `CpuLowrankLoop` runs them.
 *
 * Shapes (T tasks, S support samples, B query rows, D inputs, H first hidden width, R = S + B rows,
 * tail = the parameters from the first layer's bias to the end of a row, tailCount of them):
 * proj (T, R, H + S); A (T, H, S); tails (T, tailStride: tailCount rounded up to 4); d1q (T, B, H);
 * metrics (T, METRIC_STRIDE).
 * @module
 */
import { sampleLoss } from "../mlp/mlp_cpu.ts";
import type { MlpLayout } from "../mlp/mlp_layout.ts";
import type { MlpData } from "../mlp/mlp_state.ts";
import { METRIC, METRIC_STRIDE } from "../metrics_row.ts";
import { classListLabel, episodeClasses } from "../tasks/episode_classes.ts";
import { forHealthy } from "./meta_mean.ts";
import {
  type LowrankRows,
  type LowrankShape,
  queryRows,
  rowSample,
  supportWeight,
  tailCount,
  tailStart,
  tailStride,
} from "./lowrank_shape.ts";

/**
 * Twin of lowrank_project: proj[t, r, o] = (W1 x_r)[o] for o < H (theta's first-layer weights,
 * no bias), else x_{t, o - H} . x_r (the task's support samples), over the R = S + queryRows rows.
 */
export function lowrankProjectCpu(
  layout: MlpLayout,
  data: { theta: ArrayLike<number>; x: ArrayLike<number> },
  rows: LowrankRows,
  s: LowrankShape,
): Float32Array {
  const D = layout.inputs;
  const H = layout.widths[1]!;
  const S = s.support;
  const R = S + queryRows(s);
  const proj = new Float32Array(s.tasks * R * (H + S));
  const w0 = layout.weightOffset[0]!;
  for (let t = 0; t < s.tasks; t++) {
    const xs = Array.from({ length: R }, (_, r) => rowSample(rows, t, r, S) * D);
    for (let r = 0; r < R; r++) {
      const xr = xs[r]!;
      for (let o = 0; o < H + S; o++) {
        const a = o < H ? w0 + o * D : xs[o - H]!;
        const src = o < H ? data.theta : data.x;
        let z = 0;
        for (let i = 0; i < D; i++) z += src[a + i]! * data.x[xr + i]!;
        proj[(t * R + r) * (H + S) + o] = z;
      }
    }
  }
  return proj;
}

/** What lowrankInnerCpu reads. */
export interface LowrankInnerInputs {
  /** theta (stride): its tail is every task's start. */
  theta: ArrayLike<number>;
  /** (T, R, H + S) from lowrankProjectCpu. */
  proj: ArrayLike<number>;
  /** The samples (targets read). */
  data: MlpData;
  /** The rows of the iteration (labels through the episode's label map). */
  rows: LowrankRows;
}

/** What lowrankInnerCpu writes. */
export interface LowrankInnerOutputs {
  /** (T, H, S) the first layer's factor: W1_t = W1 - A_t X_t^T. */
  A: Float32Array;
  /** (T, tailStride): Reptile the adapted tails; FOMAML the query gradient's tail part. */
  tails: Float32Array;
  /** (T, queryRows, H) FOMAML: the query pass's first-layer deltas (mean over rows included). */
  d1q: Float32Array;
  /** (T, METRIC_STRIDE): loss (query pass for FOMAML, else last step), gradNorm, quarantine. */
  metrics: Float32Array;
}

/** One task's working state in the twin. */
interface Task {
  layout: MlpLayout;
  /** Parameter row (stride): theta's first-layer weights unused, the tail adapted. */
  w: Float64Array;
  /** (H, S) the factor. */
  A: Float64Array;
  acts: Float64Array;
  deltas: Float64Array;
}

function act(layout: MlpLayout, z: number): number {
  return layout.activation === "relu" ? Math.max(z, 0) : Math.tanh(z);
}

function actGrad(layout: MlpLayout, a: number): number {
  return layout.activation === "relu" ? (a > 0 ? 1 : 0) : 1 - a * a;
}

/**
 * Forward pass of n rows: layer 0's pre-activation of row r is proj[base + r, o] + b1[o] -
 * sum_s A[o, s] proj[base + r, H + s]; the later layers read the tail.
 */
function forwardRows(k: Task, proj: ArrayLike<number>, base: number, n: number, S: number): void {
  const { widths, layers, weightOffset: wo, biasOffset: bo, actOffset: ao, actWidth } = k.layout;
  const H = widths[1]!;
  for (let r = 0; r < n; r++) {
    const p = (base + r) * (H + S);
    const a = r * actWidth;
    for (let j = 0; j < H; j++) {
      let z = proj[p + j]! + k.w[bo[0]! + j]!;
      for (let s = 0; s < S; s++) z -= k.A[j * S + s]! * proj[p + H + s]!;
      k.acts[a + j] = act(k.layout, z);
    }
    for (let l = 1; l < layers; l++) {
      for (let j = 0; j < widths[l + 1]!; j++) {
        let z = k.w[bo[l]! + j]!;
        for (let i = 0; i < widths[l]!; i++) {
          z += k.w[wo[l]! + j * widths[l]! + i]! * k.acts[a + ao[l - 1]! + i]!;
        }
        k.acts[a + ao[l]! + j] = l === layers - 1 ? z : act(k.layout, z);
      }
    }
  }
}

/**
 * Loss of n rows weighted by `weight(r)` (summed), output deltas scaled by the same weight, then
 * every hidden layer's deltas.
 */
function lossBackward(
  k: Task,
  d: MlpData,
  rows: LowrankRows,
  at: { t: number; r0: number; n: number },
  weight: (r: number) => number,
): number {
  const { t, r0, n } = at;
  const { widths, layers, weightOffset: wo, actOffset: ao, actWidth, outputs } = k.layout;
  const S = rows.episodes.supportSize;
  const b = rows.episodes;
  const classes = episodeClasses(b);
  const o = new Float64Array(outputs);
  const g = new Float64Array(outputs);
  let loss = 0;
  for (let r = 0; r < n; r++) {
    const a = r * actWidth;
    for (let j = 0; j < outputs; j++) o[j] = k.acts[a + ao[layers - 1]! + j]!;
    const sample = rowSample(rows, t, r0 + r, S);
    const raw = Math.trunc(d.y[sample * d.targetWidth]!);
    const e = rows.ids[rows.idsOffset + t]!;
    const label = Math.min(classes ? classListLabel(classes, b.ways, e, raw) : raw, outputs - 1);
    const wr = weight(r);
    loss += wr * sampleLoss(k.layout, o, label, d.y, sample * d.targetWidth, g, wr);
    for (let j = 0; j < outputs; j++) k.deltas[a + ao[layers - 1]! + j] = g[j]!;
    for (let l = layers - 1; l > 0; l--) {
      for (let i = 0; i < widths[l]!; i++) {
        let sum = 0;
        for (let j = 0; j < widths[l + 1]!; j++) {
          sum += k.w[wo[l]! + j * widths[l]! + i]! * k.deltas[a + ao[l]! + j]!;
        }
        k.deltas[a + ao[l - 1]! + i] = sum * actGrad(k.layout, k.acts[a + ao[l - 1]! + i]!);
      }
    }
  }
  return loss;
}

/** sum over rows r, q of (u_r . u_q)(v_r . v_q) + |sum_r u_r|^2: the squared norm of sum_r u_r v_r^T, b. */
function gramNormSq(
  n: number,
  u: (r: number, j: number) => number,
  un: number,
  dot: (r: number, q: number) => number,
): number {
  let sq = 0;
  for (let j = 0; j < un; j++) {
    let b = 0;
    for (let r = 0; r < n; r++) b += u(r, j);
    sq += b * b;
  }
  for (let r = 0; r < n; r++) {
    for (let q = 0; q < n; q++) {
      let uu = 0;
      for (let j = 0; j < un; j++) uu += u(r, j) * u(q, j);
      sq += uu * dot(r, q);
    }
  }
  return sq;
}

/** Squared global norm of one support step's gradient from its deltas and Gram matrices. */
function stepNormSq(k: Task, proj: ArrayLike<number>, base: number, S: number): number {
  const { widths, layers, actOffset: ao, actWidth } = k.layout;
  const H = widths[1]!;
  let sq = 0;
  for (let l = 0; l < layers; l++) {
    const u = (r: number, j: number) => k.deltas[r * actWidth + ao[l]! + j]!;
    const dot = l === 0 ? (r: number, q: number) => proj[(base + q) * (H + S) + H + r]! : (
      r: number,
      q: number,
    ) => {
      let z = 0;
      for (let i = 0; i < widths[l]!; i++) {
        z += k.acts[r * actWidth + ao[l - 1]! + i]! * k.acts[q * actWidth + ao[l - 1]! + i]!;
      }
      return z;
    };
    sq += gramNormSq(S, u, widths[l + 1]!, dot);
  }
  return sq;
}

/**
 * The tail's gradient over n rows (layers >= 1: sum_r d_l[r, j] a_{l-1}[r, i]; every bias:
 * sum_r d_l[r, j]), entry by entry: `visit(index in the row, gradient)`.
 */
function tailGradients(k: Task, n: number, visit: (i: number, g: number) => void): void {
  const { widths, layers, weightOffset: wo, biasOffset: bo, actOffset: ao, actWidth } = k.layout;
  for (let l = 0; l < layers; l++) {
    for (let j = 0; j < widths[l + 1]!; j++) {
      let gb = 0;
      for (let r = 0; r < n; r++) gb += k.deltas[r * actWidth + ao[l]! + j]!;
      visit(bo[l]! + j, gb);
      if (l === 0) continue;
      for (let i = 0; i < widths[l]!; i++) {
        let g = 0;
        for (let r = 0; r < n; r++) {
          g += k.deltas[r * actWidth + ao[l]! + j]! * k.acts[r * actWidth + ao[l - 1]! + i]!;
        }
        visit(wo[l]! + j * widths[l]! + i, g);
      }
    }
  }
}

/** One task's K support steps (quarantine as the train step), then its query pass (FOMAML). */
function innerTask(layout: MlpLayout, x: LowrankInnerInputs, t: number, s: LowrankShape) {
  const S = s.support;
  const H = layout.widths[1]!;
  const n = Math.max(S, queryRows(s));
  const k: Task = {
    layout,
    w: Float64Array.from(x.theta),
    A: new Float64Array(H * S),
    acts: new Float64Array(n * layout.actWidth),
    deltas: new Float64Array(n * layout.actWidth),
  };
  const R = S + queryRows(s);
  const m = new Float64Array(METRIC_STRIDE);
  const weight = (r: number) => supportWeight(r, S, s.batch);
  for (let step = 0; step < s.steps; step++) {
    forwardRows(k, x.proj, t * R, S, S);
    const loss = lossBackward(k, x.data, x.rows, { t, r0: 0, n: S }, weight);
    // The Gram-based sum may round below 0 when gradients nearly cancel (NaN stays NaN).
    const sq = stepNormSq(k, x.proj, t * R, S);
    const norm = Math.sqrt(sq < 0 ? 0 : sq);
    m[METRIC.loss] = loss;
    m[METRIC.gradNorm] = norm;
    if (m[METRIC.quarantined] !== 0 || !isFinite32(loss) || !isFinite32(norm)) {
      m[METRIC.quarantined] = 1;
      continue;
    }
    const g = new Float64Array(layout.paramCount);
    tailGradients(k, S, (i, v) => (g[i] = v));
    for (let i = tailStart(layout); i < layout.paramCount; i++) k.w[i] = k.w[i]! - s.lr * g[i]!;
    for (let j = 0; j < H; j++) {
      for (let r = 0; r < S; r++) {
        k.A[j * S + r] = k.A[j * S + r]! + s.lr * k.deltas[r * layout.actWidth + j]!;
      }
    }
  }
  return { k, m };
}

function isFinite32(v: number): boolean {
  return Number.isFinite(Math.fround(v));
}

/**
 * Twin of lowrank_inner: for each task, K SGD steps on its S support samples from theta with the
 * first layer factored (its weights stay theta's; A and the tail adapt), each sample weighted by
 * supportWeight (the step's mean over B cycling positions), the global gradient norm
 * from Gram matrices, a task quarantined (and never updated again) at a non-finite loss or norm;
 * then, with a query pass, the B query rows at the adapted weights: its mean loss, the tail's
 * gradient and the first-layer deltas. Reptile writes the adapted tails.
 */
export function lowrankInnerCpu(
  layout: MlpLayout,
  x: LowrankInnerInputs,
  s: LowrankShape,
  out: LowrankInnerOutputs,
): void {
  const H = layout.widths[1]!;
  const S = s.support;
  const B = queryRows(s);
  const tc = tailCount(layout);
  const ts = tailStride(layout);
  const t0 = tailStart(layout);
  for (let t = 0; t < s.tasks; t++) {
    const { k, m } = innerTask(layout, x, t, s);
    out.A.set(k.A, t * H * S);
    if (B > 0) {
      forwardRows(k, x.proj, t * (S + B) + S, B, S);
      m[METRIC.loss] = lossBackward(k, x.data, x.rows, { t, r0: S, n: B }, () => 1 / B);
      tailGradients(k, B, (i, v) => (out.tails[t * ts + i - t0] = v));
      for (let q = 0; q < B; q++) {
        for (let j = 0; j < H; j++) {
          out.d1q[(t * B + q) * H + j] = k.deltas[q * layout.actWidth + j]!;
        }
      }
    } else {
      for (let i = 0; i < tc; i++) out.tails[t * ts + i] = k.w[t0 + i]!;
    }
    out.metrics.set(m, t * METRIC_STRIDE);
  }
}

/**
 * Twin of lowrank_outer: the meta-batch's mean row over the healthy tasks (n of them; `healthy` in
 * meta_mean.ts: flag 0, finite loss and gradient norm, so a task whose query loss is NaN is out).
 * FOMAML (a query pass): the first layer's weights (1/n) sum_t sum_q d1q[t, q] x_{t,q}^T, the tail
 * the mean of the tasks' tail gradients (0 when n = 0). Reptile: the mean adapted row, theta's
 * first-layer weights minus (1/n) sum_t A_t X_t^T and the mean adapted tail (theta when n = 0).
 */
export function lowrankOuterCpu(
  layout: MlpLayout,
  x: { theta: ArrayLike<number>; A: ArrayLike<number>; tails: ArrayLike<number> },
  d: { d1q: ArrayLike<number>; metrics: ArrayLike<number>; x: ArrayLike<number> },
  rows: LowrankRows,
  s: LowrankShape,
): Float32Array {
  const H = layout.widths[1]!;
  const D = layout.inputs;
  const S = s.support;
  const B = queryRows(s);
  const t0 = tailStart(layout);
  const tc = tailCount(layout);
  const ts = tailStride(layout);
  const used: number[] = [];
  const n = forHealthy(d.metrics, 0, s.tasks, (t) => used.push(t));
  const fomaml = s.query;
  const out = new Float32Array(layout.stride);
  const per = fomaml ? B : S;
  const xs = used.flatMap((t) =>
    Array.from({ length: per }, (_, r) => rowSample(rows, t, fomaml ? S + r : r, S) * D)
  );
  const sum = new Float64Array(D);
  for (let j = 0; j < H; j++) {
    sum.fill(0);
    used.forEach((t, h) => {
      for (let r = 0; r < per; r++) {
        const u = fomaml ? d.d1q[(t * B + r) * H + j]! : x.A[(t * H + j) * S + r]!;
        const xr = xs[h * per + r]!;
        for (let i = 0; i < D; i++) sum[i] = sum[i]! + u * d.x[xr + i]!;
      }
    });
    for (let i = 0; i < D; i++) {
      const mean = n > 0 ? sum[i]! / n : 0;
      const w = layout.weightOffset[0]! + j * D + i;
      out[w] = fomaml ? mean : x.theta[w]! - mean;
    }
  }
  for (let i = 0; i < tc; i++) {
    let z = 0;
    for (const t of used) z += x.tails[t * ts + i]!;
    out[t0 + i] = n > 0 ? z / n : (fomaml ? 0 : x.theta[t0 + i]!);
  }
  return out;
}
