/**
 * The pretrained baseline of Chen, Liu, Kira, Wang and Huang, "A Closer Look at Few-shot
 * Classification" (ICLR 2019), "Baseline": one classifier is trained with Adam on all meta-train
 * classes (at most 256 of them, a layer's width limit: a seeded subset when there are more), its
 * last layer is dropped, and for each episode a new linear head on the frozen features is trained
 * from zero by full-batch gradient descent on the support set (softmax cross-entropy).
 * @module
 */
import { Rng } from "../../core/rng.ts";
import { selectClasses } from "../../learners/data/glyphs/load.ts";
import type { Backend } from "../../learners/backend.ts";
import type { Dataset } from "../../learners/dataset.ts";
import { forwardCpu } from "../../learners/mlp/mlp_cpu.ts";
import { type MlpLayout, mlpLayout } from "../../learners/mlp/mlp_layout.ts";
import { type EpisodeBatch, episodeLabel } from "../../learners/tasks/task_family.ts";
import type { AdaptCurve } from "./inner_loop.ts";
import type { ClassData } from "./setting_data.ts";

/** A trained classifier whose hidden layers give the features. */
export interface PretrainedBody {
  /** Layout of the classifier (one model). */
  layout: MlpLayout;
  /** Its parameters. */
  params: Float32Array;
  /** Feature width (the last hidden layer). */
  features: number;
  /** Classes it was trained on. */
  classes: number;
}

/** Trains the classifier on `cd`'s classes: Adam at `lr`, batches of 64 drawn with replacement. */
export async function pretrainBody(
  backend: Backend,
  cd: ClassData,
  o: { hidden: number[]; steps: number; lr: number; seed: number },
): Promise<PretrainedBody> {
  let classes = cd.classes;
  if (classes.length > 256) {
    const perm = new Rng(o.seed, 29).permutation(classes.length).slice(0, 256).sort((a, b) =>
      a - b
    );
    classes = Uint32Array.from(perm, (i) => classes[i]!);
  }
  const d = selectClasses(cd.data, classes);
  const data = backend.uploadDataset(d);
  const spec = { widths: [d.inputs, ...o.hidden, classes.length], batchSize: 64 };
  const pop = backend.createPopulation({ size: 1, ...spec, loss: "cross_entropy" });
  try {
    pop.init(o.seed);
    pop.setKnobs({ lr: o.lr, optimizer: "adam" });
    const chunk = 100;
    for (let done = 0, round = 0; done < o.steps; done += chunk, round++) {
      const n = Math.min(chunk, o.steps - done);
      pop.sampleBatches({ seed: o.seed, round, numBatches: n, ranges: Uint32Array.of(0, d.count) });
      pop.train(data, n);
    }
    const params = await pop.readParams();
    const layout = mlpLayout({ size: 1, ...spec });
    return { layout, params, features: o.hidden.at(-1)!, classes: classes.length };
  } finally {
    pop.destroy();
    data.destroy();
  }
}

function features(body: PretrainedBody, d: Dataset, idx: ArrayLike<number>): Float64Array {
  const L = body.layout;
  const acts = forwardCpu(L, body.params as Float32Array, 0, d, idx);
  const F = body.features;
  const off = L.actOffset[L.layers - 2]!;
  const out = new Float64Array(idx.length * F);
  for (let i = 0; i < idx.length; i++) {
    out.set(acts.subarray(i * L.actWidth + off, i * L.actWidth + off + F), i * F);
  }
  return out;
}

/** Softmax-regression loss and correct count of head (N, F+1) on rows `f` with labels `y`. */
function headPass(
  w: Float64Array,
  f: Float64Array,
  y: number[],
  N: number,
  grad: Float64Array | null,
): { loss: number; correct: number } {
  const F = f.length / y.length;
  let loss = 0;
  let correct = 0;
  const z = new Float64Array(N);
  for (let i = 0; i < y.length; i++) {
    for (let k = 0; k < N; k++) {
      let s = w[k * (F + 1) + F]!;
      for (let j = 0; j < F; j++) s += w[k * (F + 1) + j]! * f[i * F + j]!;
      z[k] = s;
    }
    const m = Math.max(...z);
    let sum = 0;
    for (let k = 0; k < N; k++) sum += Math.exp(z[k]! - m);
    loss += Math.log(sum) + m - z[y[i]!]!;
    if (z.indexOf(m) === y[i]) correct++;
    if (!grad) continue;
    for (let k = 0; k < N; k++) {
      const g = (Math.exp(z[k]! - m) / sum - (k === y[i] ? 1 : 0)) / y.length;
      for (let j = 0; j < F; j++) {
        grad[k * (F + 1) + j] = grad[k * (F + 1) + j]! + g * f[i * F + j]!;
      }
      grad[k * (F + 1) + F] = grad[k * (F + 1) + F]! + g;
    }
  }
  return { loss: loss / y.length, correct };
}

function emptyCurve(E: number, steps: number): AdaptCurve {
  return {
    accuracy: Array.from({ length: steps + 1 }, () => new Float32Array(E)),
    loss: Array.from({ length: steps + 1 }, () => new Float32Array(E)),
    supportLoss: new Float32Array(E),
    supportAccuracy: new Float32Array(E),
  };
}

/** Trains a zero head for `steps` full-batch steps at `lr`; writes episode i of `c`. */
function fitHead(
  c: AdaptCurve,
  i: number,
  ep: { fs: Float64Array; fq: Float64Array; ys: number[]; yq: number[]; N: number },
  lr: number,
  steps: number,
): void {
  const F = ep.fs.length / ep.ys.length;
  const w = new Float64Array(ep.N * (F + 1));
  const grad = new Float64Array(w.length);
  for (let k = 0; k <= steps; k++) {
    if (k > 0) {
      grad.fill(0);
      headPass(w, ep.fs, ep.ys, ep.N, grad);
      for (let j = 0; j < w.length; j++) w[j] = w[j]! - lr * grad[j]!;
    }
    const q = headPass(w, ep.fq, ep.yq, ep.N, null);
    c.accuracy[k]![i] = q.correct / ep.yq.length;
    c.loss[k]![i] = q.loss;
  }
  const s = headPass(w, ep.fs, ep.ys, ep.N, null);
  c.supportLoss[i] = s.loss;
  c.supportAccuracy[i] = s.correct / ep.ys.length;
}

/**
 * Query curves of the pretrained baseline on episodes `ids` of `b`, one per learning rate in
 * `lrs`: a zero head trained by `steps` full-batch gradient steps on the support features; query
 * accuracy and loss after each step (the features are computed once per episode).
 */
export function headCurves(
  body: PretrainedBody,
  b: EpisodeBatch,
  ids: ArrayLike<number>,
  o: { lrs: readonly number[]; steps: number },
): AdaptCurve[] {
  const curves = o.lrs.map(() => emptyCurve(ids.length, o.steps));
  for (let i = 0; i < ids.length; i++) {
    const e = ids[i]!;
    const sIdx = b.support.subarray(e * b.supportSize, (e + 1) * b.supportSize);
    const qIdx = b.query.subarray(e * b.querySize, (e + 1) * b.querySize);
    const ep = {
      fs: features(body, b.dataset, sIdx),
      fq: features(body, b.dataset, qIdx),
      ys: Array.from(sIdx, (r) => episodeLabel(b, e, r)),
      yq: Array.from(qIdx, (r) => episodeLabel(b, e, r)),
      N: b.ways,
    };
    o.lrs.forEach((lr, j) => fitHead(curves[j]!, i, ep, lr, o.steps));
  }
  return curves;
}
