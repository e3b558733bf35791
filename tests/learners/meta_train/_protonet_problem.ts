/**
 * Seeded ProtoNet problems for the twin, kernel and thread tests and bench/protonet_twin.ts: data
 * around class centres, episode batches (class lists, dense label maps or labels as stored), a
 * layout and theta.
 */
import { Rng } from "../../../core/rng.ts";
import { type Activation, type MlpLayout, mlpLayout } from "../../../learners/mlp/mlp_layout.ts";
import type { Dataset } from "../../../learners/dataset.ts";
import { METRIC_STRIDE } from "../../../learners/metrics_row.ts";
import { PROTONET_STATS, type ProtonetOut } from "../../../learners/meta_train/protonet_cpu.ts";
import { withClassLists } from "../../../learners/tasks/episode_classes.ts";
import { type EpisodeBatch, LABEL_UNUSED } from "../../../learners/tasks/task_family.ts";

/** How a batch's episodes give their labels. */
export type EpisodeLabels = "lists" | "dense" | "stored";

/** A ProtoNet test case: the network and the shape and labels of its episodes. */
export interface ProtonetCase {
  widths: number[];
  activation: Activation;
  ways: number;
  shots: number;
  queries: number;
  labels: EpisodeLabels;
}

/**
 * A seeded meta-batch of case `c` on layout `L` (drawn from `rng` in this order): data of
 * `ways + extra` classes (`ways` with labels as stored), `perClass` samples each, `noise` around the
 * class centres; `episodes` episodes (`protonetEpisodes`); theta as `thetaScale` times normals.
 */
export function protonetCase(
  rng: Rng,
  L: MlpLayout,
  c: Omit<ProtonetCase, "activation">,
  o: {
    extra: number;
    perClass: number;
    noise: number;
    episodes: number;
    thetaScale: number;
    orphan?: number;
  },
): { dataset: Dataset; episodes: EpisodeBatch; theta: Float32Array } {
  const C = c.labels === "stored" ? c.ways : c.ways + o.extra;
  const inputs = c.widths[0]!;
  const dataset = clusteredData(rng, { classes: C, count: C * o.perClass, inputs, noise: o.noise });
  const episodes = protonetEpisodes(rng, dataset, { ...c, episodes: o.episodes, orphan: o.orphan });
  return { dataset, episodes, theta: thetaRow(rng, L, o.thetaScale) };
}

/** `count` samples (sample i of class i mod `classes`) around normal class centres, plus noise. */
export function clusteredData(
  rng: Rng,
  o: { classes: number; count: number; inputs: number; noise: number },
): Dataset {
  const { classes: C, count, inputs } = o;
  const centres = Array.from({ length: C * inputs }, () => rng.normal());
  const y = Float32Array.from({ length: count }, (_, i) => i % C);
  const x = Float32Array.from(
    { length: count * inputs },
    (_, k) => centres[y[Math.floor(k / inputs)]! * inputs + (k % inputs)]! + o.noise * rng.normal(),
  );
  return { count, inputs, targetWidth: 1, classes: C, x, y };
}

/**
 * `episodes` episodes of `ways` consecutive classes (mod the data set's classes) from a random
 * first one (class 0 when labels are stored), `shots` support and `queries` query samples per
 * class; episode `orphan` draws the support samples of its class 1 from its class 0.
 */
function protonetEpisodes(
  rng: Rng,
  dataset: Dataset,
  c: Omit<ProtonetCase, "widths" | "activation"> & { episodes: number; orphan?: number },
): EpisodeBatch {
  const { count, classes: C } = dataset;
  const { episodes: E, ways: N } = c;
  const S = N * c.shots;
  const Q = N * c.queries;
  const classes = new Uint32Array(E * N);
  const support = new Uint32Array(E * S);
  const query = new Uint32Array(E * Q);
  const pick = (cls: number) => cls + C * rng.int(count / C);
  for (let e = 0; e < E; e++) {
    const first = c.labels === "stored" ? 0 : rng.int(C);
    for (let k = 0; k < N; k++) classes[e * N + k] = (first + k) % C;
    const cls = (i: number) => classes[e * N + (i % N)]!;
    for (let i = 0; i < S; i++) {
      support[e * S + i] = pick(e === c.orphan && i % N === 1 ? cls(0) : cls(i));
    }
    for (let i = 0; i < Q; i++) query[e * Q + i] = pick(cls(i));
  }
  const fields = {
    dataset,
    episodes: E,
    supportSize: S,
    querySize: Q,
    support,
    query,
    labelMapWidth: c.labels === "stored" ? 0 : C,
    ways: N,
  };
  if (c.labels === "lists") return withClassLists(fields, classes);
  if (c.labels === "stored") return fields;
  const labelMap = new Uint32Array(E * C).fill(LABEL_UNUSED);
  for (let i = 0; i < E * N; i++) labelMap[Math.floor(i / N) * C + classes[i]!] = i % N;
  return { ...fields, labelMap };
}

/** A parameter row of `L` (stride entries): `scale` times a normal, zero past paramCount. */
function thetaRow(rng: Rng, L: MlpLayout, scale: number): Float32Array {
  return Float32Array.from(
    { length: L.stride },
    (_, i) => (i < L.paramCount ? scale * rng.normal() : 0),
  );
}

/** Zeroed outputs for P models, except the gradient rows (row padding included) hold `fill`. */
export function protonetOutputs(P: number, stride: number, fill = 0): ProtonetOut {
  return {
    grads: new Float32Array(P * stride).fill(fill),
    metrics: new Float32Array(P * METRIC_STRIDE),
    stats: new Float32Array(P * PROTONET_STATS),
  };
}

/** Global class c of 6; episode e maps classes (e, e+1, e+2) mod 6 to 0, 1, 2. */
export function protonetProblem(
  seed: number,
  o: { widths: number[]; activation: Activation; episodes: number; shots: number; queries: number },
) {
  const rng = new Rng(seed);
  const L = mlpLayout({ size: 1, widths: o.widths, batchSize: 4, activation: o.activation });
  const C = 6;
  const count = 60;
  const inputs = o.widths[0]!;
  const { x, y } = clusteredData(rng, { classes: C, count, inputs, noise: 0.7 });
  const N = 3;
  const S = N * o.shots;
  const Q = o.queries;
  const support = new Uint32Array(o.episodes * S);
  const query = new Uint32Array(o.episodes * Q);
  const labelMap = new Uint32Array(o.episodes * C).fill(0xffffffff);
  const pick = (cls: number) => cls + C * rng.int(count / C);
  for (let e = 0; e < o.episodes; e++) {
    for (let k = 0; k < N; k++) labelMap[e * C + (e + k) % C] = k;
    for (let s = 0; s < S; s++) support[e * S + s] = pick((e + (s % N)) % C);
    for (let q = 0; q < Q; q++) query[e * Q + q] = pick((e + (q % N)) % C);
  }
  const episodes = {
    dataset: { count, inputs, targetWidth: 1, classes: C, x, y },
    episodes: o.episodes,
    supportSize: S,
    querySize: Q,
    support,
    query,
    labelMap,
    labelMapWidth: C,
    ways: N,
  } as EpisodeBatch;
  const data = { count, inputs, targetWidth: 1, x, y };
  const theta = Float32Array.from({ length: L.stride }, () => 0.5 * rng.normal());
  return { L, episodes, data, theta, rng };
}
