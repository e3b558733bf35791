/**
 * The fast ProtoNet twin (`protonetGradCpu`, layer-major passes of _protonet_mlp.ts) against its
 * readable specification (`protonetGradSpecCpu`, one `protonetEpisodeCpu` per model) on seeded
 * random meta-batches: no hidden layer to 3 hidden layers, ReLU and tanh, each distance on both
 * embeddings, widths that are not multiples of 2 or 4, odd sample counts, class lists, dense label
 * maps and labels as stored, and an episode whose query class has no support sample.
 */
import assert from "node:assert/strict";
import { Rng } from "../../../core/rng.ts";
import { METRIC, METRIC_STRIDE } from "../../../learners/metrics_row.ts";
import { type Activation, type MlpLayout, mlpLayout } from "../../../learners/mlp/mlp_layout.ts";
import {
  PROTONET_STATS,
  protonetGradCpu,
  protonetGradSpecCpu,
  type ProtonetOut,
  type ProtonetSource,
} from "../../../learners/meta_train/protonet_cpu.ts";
import type { ProtonetDistance } from "../../../learners/meta_train/protonet_distance.ts";
import { withClassLists } from "../../../learners/tasks/episode_classes.ts";
import { LABEL_UNUSED } from "../../../learners/tasks/task_family.ts";
import { assertClose } from "../../helpers.ts";

/**
 * A layout with no hidden layer (inputs -> outputs), which `mlpLayout` does not build (it wants
 * 1 to 3 hidden layers) but the twin supports: the embedding is then the raw output.
 */
function singleLayer(inputs: number, outputs: number): MlpLayout {
  const paramCount = inputs * outputs + outputs;
  return {
    size: 1,
    widths: [inputs, outputs],
    activation: "relu",
    loss: "cross_entropy",
    batchSize: 4,
    init: "he",
    layers: 1,
    weightOffset: [0],
    biasOffset: [inputs * outputs],
    paramCount,
    stride: Math.ceil(paramCount / 4) * 4,
    actOffset: [0],
    actWidth: outputs,
    inputs,
    outputs,
  };
}

/** How a case's episodes give their labels. */
type Labels = "lists" | "dense" | "stored";

interface Case {
  widths: number[];
  activation: Activation;
  ways: number;
  shots: number;
  queries: number;
  labels: Labels;
}

/**
 * A seeded meta-batch of `c`: 5 episodes, models reading episodes [3, 0, 4] from idsOffset 1;
 * episode 4 (the last model's) loses the support samples of its class 1 when `orphan`.
 */
function problem(seed: number, c: Case, orphan: boolean) {
  const rng = new Rng(seed);
  const L = c.widths.length === 2
    ? singleLayer(c.widths[0]!, c.widths[1]!)
    : mlpLayout({ size: 1, widths: c.widths, batchSize: 4, activation: c.activation });
  const C = c.labels === "stored" ? c.ways : c.ways + 3;
  const inputs = c.widths[0]!;
  const count = C * 9;
  const centres = Array.from({ length: C * inputs }, () => rng.normal());
  const y = Float32Array.from({ length: count }, (_, i) => i % C);
  const x = Float32Array.from(
    { length: count * inputs },
    (_, k) => centres[y[Math.floor(k / inputs)]! * inputs + (k % inputs)]! + 0.8 * rng.normal(),
  );
  const E = 5;
  const N = c.ways;
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
      // The orphaned class's support samples are drawn from class 0 instead.
      support[e * S + i] = pick(orphan && e === 4 && i % N === 1 ? cls(0) : cls(i));
    }
    for (let i = 0; i < Q; i++) query[e * Q + i] = pick(cls(i));
  }
  const dataset = { count, inputs, targetWidth: 1, classes: C, x, y };
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
  let episodes;
  if (c.labels === "lists") {
    episodes = withClassLists(fields, classes);
  } else if (c.labels === "dense") {
    const labelMap = new Uint32Array(E * C).fill(LABEL_UNUSED);
    for (let i = 0; i < E * N; i++) labelMap[Math.floor(i / N) * C + classes[i]!] = i % N;
    episodes = { ...fields, labelMap };
  } else {
    episodes = fields;
  }
  const theta = Float32Array.from(
    { length: L.stride },
    (_, i) => (i < L.paramCount ? 0.6 * rng.normal() : 0),
  );
  const src: ProtonetSource = { episodes, data: dataset, ids: [9, 3, 0, 4], idsOffset: 1 };
  return { L, theta, src };
}

function outputs(P: number, stride: number): ProtonetOut {
  return {
    grads: new Float32Array(P * stride).fill(7),
    metrics: new Float32Array(P * METRIC_STRIDE),
    stats: new Float32Array(P * PROTONET_STATS),
  };
}

const DISTANCES: ProtonetDistance[] = [
  { kind: "euclidean", scale: 0.7 },
  { kind: "euclidean", scale: 0.7, embedding: "linear" },
  { kind: "cosine", scale: 5 },
  { kind: "cosine", scale: 5, embedding: "linear" },
  { kind: "dot", scale: 0.3 },
  { kind: "dot", scale: 0.3, embedding: "linear" },
];

const CASES: Case[] = [
  { widths: [7, 5], activation: "relu", ways: 5, shots: 2, queries: 3, labels: "lists" },
  { widths: [9, 13, 6], activation: "relu", ways: 4, shots: 3, queries: 2, labels: "dense" },
  { widths: [9, 13, 6], activation: "tanh", ways: 3, shots: 1, queries: 3, labels: "stored" },
  { widths: [11, 17, 10, 3], activation: "relu", ways: 7, shots: 3, queries: 2, labels: "lists" },
  { widths: [11, 17, 10, 3], activation: "tanh", ways: 5, shots: 2, queries: 1, labels: "dense" },
  { widths: [6, 19, 9, 5, 4], activation: "relu", ways: 5, shots: 2, queries: 3, labels: "lists" },
  { widths: [6, 19, 9, 5, 4], activation: "tanh", ways: 6, shots: 1, queries: 1, labels: "lists" },
  {
    widths: [16, 64, 64, 16, 5],
    activation: "relu",
    ways: 9,
    shots: 3,
    queries: 2,
    labels: "lists",
  },
];

for (const [ci, c] of CASES.entries()) {
  Deno.test(
    `protonetGradCpu matches protonetGradSpecCpu (${
      c.widths.join("-")
    }, ${c.activation}, ${c.ways}-way ${c.shots}+${c.queries}, ${c.labels} labels, every distance)`,
    () => {
      for (const [di, dist] of DISTANCES.entries()) {
        for (const orphan of [false, true]) {
          const { L, theta, src } = problem(100 * ci + 10 * di + (orphan ? 1 : 0), c, orphan);
          const P = 3;
          const want = outputs(P, L.stride);
          const got = outputs(P, L.stride);
          protonetGradSpecCpu(L, theta, src, P, want, dist);
          protonetGradCpu(L, theta, src, P, got, dist);
          const what = `${dist.kind} ${dist.embedding ?? "activation"}${orphan ? " orphan" : ""}`;
          // Both add the same terms in the same order: equal up to float noise.
          const tol = { atol: 1e-9, rtol: 1e-6 };
          assertClose(got.grads, want.grads, { ...tol, what: `${what} grads` });
          assertClose(got.metrics, want.metrics, { ...tol, what: `${what} metrics` });
          assertClose(got.stats, want.stats, { ...tol, what: `${what} stats` });
          // The comparison is not vacuous: gradients are visible and the orphaned episode is
          // quarantined (an infinite query loss).
          assert.ok(want.grads.some((g, i) => i < L.paramCount && g !== 0 && g !== 7));
          assert.equal(want.metrics[2 * METRIC_STRIDE + METRIC.quarantined], orphan ? 1 : 0, what);
        }
      }
    },
  );
}
