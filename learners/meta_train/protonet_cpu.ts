/**
 * The CPU twin (the specification) of `shaders/protonet_grad.wgsl`: the Prototypical Networks loss
 * (Snell, Swersky and Zemel, "Prototypical Networks for Few-shot Learning", NeurIPS 2017) and its
 * gradient for each episode of a meta-batch, all episodes sharing one parameter row theta.
 * The embedding f(x) is the MLP's last hidden layer after its nonlinearity, or before it with
 * `dist.embedding` "linear" (the raw output when the MLP has no hidden layer; the output layer then
 * gets a zero gradient). Per episode e:
 * prototypes c_k = mean of f(support samples of class k); for each query sample q,
 * d_qk = d(f(q), c_k) (protonet_distance.ts: squared Euclidean by default, or cosine or dot
 * product, times a scale), p_q = softmax_k(-d_q) over the classes with a support sample, and the
 * loss is the mean over the queries of -log p_q[y_q]; accuracy counts argmin_k d_qk == y_q (ties to
 * the lowest k). The gradient goes back through the distances, the prototypes and the MLP.
 * `protonetGradSpecCpu` (one `protonetEpisodeCpu` per model: per-sample loops over `forwardCpu`'s
 * activations) is the readable specification; `protonetGradCpu`, which the meta loops call, gives
 * the same numbers with the layer-major passes of _protonet_mlp.ts (about 3x faster).
 * @module
 */
import { forwardCpu, type MlpData } from "../mlp/mlp_cpu.ts";
import type { MlpLayout } from "../mlp/mlp_layout.ts";
import {
  f64Row,
  type FastScratch,
  gatherInputs,
  scratch,
  threadScratch,
} from "../mlp/_mlp_fast.ts";
import { backpropFromEmbedding, forwardToEmbedding } from "./_protonet_mlp.ts";
import { METRIC, METRIC_STRIDE } from "../metrics_row.ts";
import type { EpisodeBatch } from "../tasks/task_family.ts";
import { classListLabel, episodeClasses } from "../tasks/episode_classes.ts";
import {
  addPairGradient,
  type DistanceOperands,
  distanceOperands,
  EUCLIDEAN,
  pairDistance,
  type ProtonetDistance,
} from "./protonet_distance.ts";

/** Floats per episode of the ProtoNet statistics: query loss, query accuracy, support loss, support accuracy. */
export const PROTONET_STATS = 4;

/** The layer whose output is the embedding: the last hidden layer (layer 0 with no hidden layer). */
export function embedLayer(layout: MlpLayout): number {
  return Math.max(layout.layers - 2, 0);
}

/** The episodes a ProtoNet pass reads: model p reads episode ids[idsOffset + p] of `episodes`. */
export interface ProtonetSource {
  /** Episode index tables (support, query, label maps). */
  episodes: EpisodeBatch;
  /** The samples (class labels as targets). */
  data: MlpData;
  /** Episode ids. */
  ids: ArrayLike<number>;
  /** Index of model 0's episode in ids. */
  idsOffset: number;
}

/** What a ProtoNet pass writes per model. */
export interface ProtonetOut {
  /** (models, stride) gradient rows of the mean query loss. */
  grads: Float32Array;
  /** (models, METRIC_STRIDE): loss, gradient norm, quarantine flag (1 when not finite). */
  metrics: Float32Array;
  /** (models, PROTONET_STATS) per-episode statistics. */
  stats: Float32Array;
}

/**
 * Episode-local label of sample `s` of episode `e`: its class looked up in the episode's class list
 * (`classListLabel`, as the kernel does), or the class as stored without label maps.
 */
function localLabel(src: ProtonetSource, e: number, s: number): number {
  const cls = src.data.y[s * src.data.targetWidth]!;
  const classes = episodeClasses(src.episodes);
  return classes ? classListLabel(classes, src.episodes.ways, e, cls) : cls;
}

/**
 * Scores samples b0..b0+count of an embedded episode against the prototypes. Returns
 * [mean loss, accuracy]; with `G` given, adds dL/dd (mean over the samples) to G (count, ways).
 */
function score(
  emb: { ops: DistanceOperands; dist: ProtonetDistance },
  protos: { n: Int32Array },
  labels: Int32Array,
  span: { b0: number; count: number },
  G: Float64Array | null,
): [number, number] {
  const { ops, dist } = emb;
  const N = protos.n.length;
  const d = new Float64Array(N);
  let loss = 0;
  let hits = 0;
  for (let q = 0; q < span.count; q++) {
    const b = span.b0 + q;
    let best = -1;
    for (let k = 0; k < N; k++) {
      const s = pairDistance(dist, ops, b, k);
      d[k] = s;
      if (protos.n[k]! > 0 && (best < 0 || s < d[best]!)) best = k;
    }
    const y = labels[b]!;
    let lse = 0;
    for (let k = 0; k < N; k++) if (protos.n[k]! > 0) lse += Math.exp(d[best]! - d[k]!);
    lse = Math.log(lse) - d[best]!;
    loss += y >= 0 && y < N && protos.n[y]! > 0 ? d[y]! + lse : Infinity;
    if (best === y) hits++;
    if (!G) continue;
    for (let k = 0; k < N; k++) {
      const p = protos.n[k]! > 0 ? Math.exp(-d[k]! - lse) : 0;
      G[q * N + k] = ((k === y ? 1 : 0) - p) / span.count;
    }
  }
  return [loss / span.count, hits / span.count];
}

/**
 * Adds the parameter gradient of d(loss)/d(embedding) `dz` (n, D) of samples `idx` to `grad`
 * (`linear`: the embedding is the embedding layer's pre-activation).
 */
function backprop(
  layout: MlpLayout,
  theta: Float32Array,
  acts: Float64Array,
  x: { data: MlpData; idx: ArrayLike<number>; linear: boolean },
  dz: Float64Array,
  grad: Float64Array,
): void {
  const { widths, layers, weightOffset, biasOffset, actOffset, actWidth } = layout;
  const n = x.idx.length;
  let dA: Float64Array = dz;
  for (let l = embedLayer(layout); l >= 0; l--) {
    const fin = widths[l]!;
    const fout = widths[l + 1]!;
    const hidden = l < layers - 1 && !(x.linear && l === embedLayer(layout));
    const dPrev = new Float64Array(l > 0 ? n * fin : 0);
    for (let b = 0; b < n; b++) {
      const xi = x.idx[b]! * x.data.inputs;
      for (let j = 0; j < fout; j++) {
        const a = acts[b * actWidth + actOffset[l]! + j]!;
        const g = hidden ? (layout.activation === "relu" ? (a > 0 ? 1 : 0) : 1 - a * a) : 1;
        const dl = dA[b * fout + j]! * g;
        if (dl === 0) continue;
        grad[biasOffset[l]! + j] = grad[biasOffset[l]! + j]! + dl;
        const w = weightOffset[l]! + j * fin;
        for (let i = 0; i < fin; i++) {
          const ai = l === 0 ? x.data.x[xi + i]! : acts[b * actWidth + actOffset[l - 1]! + i]!;
          grad[w + i] = grad[w + i]! + dl * ai;
          if (l > 0) dPrev[b * fin + i] = dPrev[b * fin + i]! + theta[w + i]! * dl;
        }
      }
    }
    dA = dPrev;
  }
}

/** The prototypes (ways, D) and class counts of the first S embedded samples. */
function prototypes(
  z: Float64Array,
  D: number,
  labels: Int32Array,
  S: number,
  N: number,
): { c: Float64Array; n: Int32Array } {
  const c = new Float64Array(N * D);
  const n = new Int32Array(N);
  for (let s = 0; s < S; s++) {
    const y = labels[s]!;
    if (y < 0 || y >= N) continue;
    n[y]!++;
    for (let j = 0; j < D; j++) c[y * D + j] = c[y * D + j]! + z[s * D + j]!;
  }
  for (let k = 0; k < N; k++) {
    for (let j = 0; j < D; j++) if (n[k]! > 0) c[k * D + j] = c[k * D + j]! / n[k]!;
  }
  return { c, n };
}

/**
 * The embeddings (n, D) of the forward pass `acts` of samples `idx`: the embedding layer's
 * activations, or with `linear` its pre-activations W a + b (a: the layer below, or the inputs).
 */
function embeddings(
  layout: MlpLayout,
  theta: Float32Array,
  f: { acts: Float64Array; data: MlpData; idx: ArrayLike<number> },
  linear: boolean,
): { z: Float64Array; D: number } {
  const E = embedLayer(layout);
  const D = layout.widths[E + 1]!;
  const fin = layout.widths[E]!;
  const n = f.idx.length;
  const z = new Float64Array(n * D);
  for (let b = 0; b < n; b++) {
    const row = b * layout.actWidth;
    for (let j = 0; j < D; j++) {
      if (!linear) {
        z[b * D + j] = f.acts[row + layout.actOffset[E]! + j]!;
        continue;
      }
      let v = theta[layout.biasOffset[E]! + j]!;
      const w = layout.weightOffset[E]! + j * fin;
      for (let i = 0; i < fin; i++) {
        const a = E === 0
          ? f.data.x[f.idx[b]! * f.data.inputs + i]!
          : f.acts[row + layout.actOffset[E - 1]! + i]!;
        v += theta[w + i]! * a;
      }
      z[b * D + j] = v;
    }
  }
  return { z, D };
}

/** The samples (support then query) of episode `e` and their episode-local labels. */
function episodeSamples(
  src: ProtonetSource,
  e: number,
): { idx: Uint32Array; labels: Int32Array } {
  const { supportSize: S, querySize: Q } = src.episodes;
  const idx = new Uint32Array(S + Q);
  idx.set(src.episodes.support.subarray(e * S, (e + 1) * S));
  idx.set(src.episodes.query.subarray(e * Q, (e + 1) * Q), S);
  const labels = Int32Array.from(idx, (s) => localLabel(src, e, s));
  return { idx, labels };
}

/**
 * The prototype loss of an episode's embeddings `z` (S + Q, D) (support rows first): returns its
 * d(mean query loss)/dz (S + Q, D) and its statistics [query loss, query accuracy, support loss,
 * support accuracy].
 */
function prototypeLoss(
  z: Float64Array,
  D: number,
  labels: Int32Array,
  shape: { S: number; Q: number; N: number },
  dist: ProtonetDistance,
): { dz: Float64Array; stats: number[] } {
  const { S, Q, N } = shape;
  const protos = prototypes(z, D, labels, S, N);
  const ops = distanceOperands(dist, z, protos.c, D);
  const G = new Float64Array(Q * N);
  const [ql, qa] = score({ ops, dist }, protos, labels, { b0: S, count: Q }, G);
  const [sl, sa] = score({ ops, dist }, protos, labels, { b0: 0, count: S }, null);
  const dz = new Float64Array((S + Q) * D);
  const dc = new Float64Array(N * D);
  for (let q = 0; q < Q; q++) {
    for (let k = 0; k < N; k++) {
      const g = G[q * N + k]!;
      if (g === 0 || protos.n[k] === 0) continue;
      addPairGradient(dist, ops, { a: S + q, k }, g, { dz, dc });
    }
  }
  // The prototype's gradient is shared equally by its support samples.
  for (let s = 0; s < S; s++) {
    const y = labels[s]!;
    if (y < 0 || y >= N) continue;
    for (let j = 0; j < D; j++) dz[s * D + j] = dc[y * D + j]! / protos.n[y]!;
  }
  return { dz, stats: [ql, qa, sl, sa] };
}

/**
 * One episode (the readable specification of the fast path in `protonetGradCpu`): returns the
 * gradient of its mean query loss (paramCount, f64) and its statistics [query loss, query
 * accuracy, support loss, support accuracy], scored with distance `dist`.
 */
export function protonetEpisodeCpu(
  layout: MlpLayout,
  theta: Float32Array,
  src: ProtonetSource,
  e: number,
  dist: ProtonetDistance = EUCLIDEAN,
): { grad: Float64Array; stats: number[] } {
  const { supportSize: S, querySize: Q, ways: N } = src.episodes;
  const { idx, labels } = episodeSamples(src, e);
  const acts = forwardCpu(layout, theta, 0, src.data, idx);
  const linear = dist.embedding === "linear";
  const { z, D } = embeddings(layout, theta, { acts, data: src.data, idx }, linear);
  const { dz, stats } = prototypeLoss(z, D, labels, { S, Q, N }, dist);
  const grad = new Float64Array(layout.paramCount);
  backprop(layout, theta, acts, { data: src.data, idx, linear }, dz, grad);
  return { grad, stats };
}

/**
 * The fast path of `protonetEpisodeCpu`, the same numbers: the layer-major passes of
 * _protonet_mlp.ts over `th` (theta as f64), with the scratch `ws` and the gradient buffer `grad`
 * (paramCount, overwritten) reused across episodes.
 */
function protonetEpisodeFast(
  layout: MlpLayout,
  th: Float64Array,
  src: ProtonetSource,
  e: number,
  work: { dist: ProtonetDistance; ws: FastScratch; grad: Float64Array },
): number[] {
  const { dist, ws, grad } = work;
  const { supportSize: S, querySize: Q, ways: N } = src.episodes;
  const { idx, labels } = episodeSamples(src, e);
  const n = S + Q;
  const E = embedLayer(layout);
  const D = layout.widths[E + 1]!;
  const linear = dist.embedding === "linear";
  gatherInputs(ws, src.data, idx);
  const z = forwardToEmbedding(layout, th, ws, { n, E, linear }).subarray(0, n * D);
  const { dz, stats } = prototypeLoss(z, D, labels, { S, Q, N }, dist);
  grad.fill(0);
  backpropFromEmbedding(layout, th, ws, { n, E, linear, dz }, grad);
  return stats;
}

/** Writes model p's gradient row, metrics row and statistics from its episode's results. */
function writeModel(
  layout: MlpLayout,
  out: ProtonetOut,
  p: number,
  r: { grad: Float64Array; stats: number[] },
): void {
  const { grad, stats } = r;
  let sq = 0;
  for (let i = 0; i < layout.paramCount; i++) {
    out.grads[p * layout.stride + i] = grad[i]!;
    sq += grad[i]! * grad[i]!;
  }
  const m = p * METRIC_STRIDE;
  out.metrics[m + METRIC.loss] = stats[0]!;
  out.metrics[m + METRIC.gradNorm] = Math.sqrt(sq);
  out.metrics[m + METRIC.quarantined] = Number.isFinite(stats[0]!) && Number.isFinite(sq) ? 0 : 1;
  out.stats.set(stats, p * PROTONET_STATS);
}

/**
 * CPU twin of the kernel: for models p = 0..models-1, the gradient row, metrics row and statistics
 * of episode ids[idsOffset + p] at theta, scored with distance `dist` (see the module doc). The
 * fast path of `protonetGradSpecCpu`, the same numbers.
 */
export function protonetGradCpu(
  layout: MlpLayout,
  theta: Float32Array,
  src: ProtonetSource,
  models: number,
  out: ProtonetOut,
  dist: ProtonetDistance = EUCLIDEAN,
): void {
  // (One scratch per thread, its buffers in the WebAssembly arena: a call runs to the end.)
  const ws = threadScratch("protonetGrad");
  const th = f64Row(ws, "theta", theta, 0, layout.paramCount);
  const work = { dist, ws, grad: scratch(ws, "grad", layout.paramCount) };
  for (let p = 0; p < models; p++) {
    const e = src.ids[src.idsOffset + p]!;
    const stats = protonetEpisodeFast(layout, th, src, e, work);
    writeModel(layout, out, p, { grad: work.grad, stats });
  }
}

/** The readable specification of `protonetGradCpu`: one `protonetEpisodeCpu` per model. */
export function protonetGradSpecCpu(
  layout: MlpLayout,
  theta: Float32Array,
  src: ProtonetSource,
  models: number,
  out: ProtonetOut,
  dist: ProtonetDistance = EUCLIDEAN,
): void {
  for (let p = 0; p < models; p++) {
    const e = src.ids[src.idsOffset + p]!;
    writeModel(layout, out, p, protonetEpisodeCpu(layout, theta, src, e, dist));
  }
}
