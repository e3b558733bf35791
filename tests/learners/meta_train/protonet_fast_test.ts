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
import { type MlpLayout, mlpLayout } from "../../../learners/mlp/mlp_layout.ts";
import {
  protonetGradCpu,
  protonetGradSpecCpu,
  type ProtonetSource,
} from "../../../learners/meta_train/protonet_cpu.ts";
import type { ProtonetDistance } from "../../../learners/meta_train/protonet_distance.ts";
import { type ProtonetCase, protonetCase, protonetOutputs } from "./_protonet_problem.ts";
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

/**
 * A seeded meta-batch of `c`: 5 episodes, models reading episodes [3, 0, 4] from idsOffset 1;
 * episode 4 (the last model's) loses the support samples of its class 1 when `orphan`.
 */
function problem(seed: number, c: ProtonetCase, orphan: boolean) {
  const rng = new Rng(seed);
  const L = c.widths.length === 2
    ? singleLayer(c.widths[0]!, c.widths[1]!)
    : mlpLayout({ size: 1, widths: c.widths, batchSize: 4, activation: c.activation });
  const o = { extra: 3, perClass: 9, noise: 0.8, episodes: 5, thetaScale: 0.6 };
  const { dataset, episodes, theta } = protonetCase(rng, L, c, { ...o, orphan: orphan ? 4 : -1 });
  const src: ProtonetSource = { episodes, data: dataset, ids: [9, 3, 0, 4], idsOffset: 1 };
  return { L, theta, src };
}

const DISTANCES: ProtonetDistance[] = [
  { kind: "euclidean", scale: 0.7 },
  { kind: "euclidean", scale: 0.7, embedding: "linear" },
  { kind: "cosine", scale: 5 },
  { kind: "cosine", scale: 5, embedding: "linear" },
  { kind: "dot", scale: 0.3 },
  { kind: "dot", scale: 0.3, embedding: "linear" },
];

const CASES: ProtonetCase[] = [
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
          const want = protonetOutputs(P, L.stride, 7);
          const got = protonetOutputs(P, L.stride, 7);
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
