/**
 * The second-order MAML twin (learners/meta_train/maml_cpu.ts): its gradient against the train
 * step's twin, its Hessian-vector product against finite differences of the gradient, and the MAML
 * meta-gradient against central finite differences of the meta-loss (query loss after K inner SGD
 * steps), where the first-order gradient is measurably off.
 */
import assert from "node:assert/strict";
import { Rng } from "../../../core/rng.ts";
import { type Activation, type LossKind, mlpLayout } from "../../../learners/mlp/mlp_layout.ts";
import { createMlpState, trainStepCpu } from "../../../learners/mlp/mlp_cpu.ts";
import {
  lossGradHvpCpu,
  type MamlBatch,
  mamlMetaGradientCpu,
} from "../../../learners/meta_train/maml_cpu.ts";
import { assertClose, randomDataset } from "../../helpers.ts";

function problem(loss: LossKind, activation: Activation, seed: number) {
  const rng = new Rng(seed);
  const widths = loss === "mse" ? [2, 6, 5, 1] : [5, 7, 3];
  const L = mlpLayout({ size: 1, widths, batchSize: 6, loss, activation });
  const count = 20;
  const data = randomDataset(rng, { count, inputs: widths[0]!, mse: loss === "mse", classes: 6 });
  const labelMap = loss === "mse" ? null : [2, 0, 1, 1, 0, 2];
  const batch = (k: number): MamlBatch => ({
    data,
    idx: Array.from({ length: 6 }, (_, i) => (i * 3 + k) % count),
    labelMap,
  });
  const theta = Float64Array.from({ length: L.paramCount }, () => 0.6 * rng.normal());
  const dir = Float64Array.from({ length: L.paramCount }, () => rng.normal());
  return { L, data, support: batch(0), query: batch(1), theta, dir };
}

Deno.test("lossGradHvpCpu's gradient matches trainStepCpu's (label map, 2 hidden layers)", () => {
  for (const loss of ["cross_entropy", "mse"] as const) {
    const { L, data, support, theta } = problem(loss, "relu", 1);
    const s = createMlpState(L);
    s.params.set(Float32Array.from(theta));
    s.batchIdx.set(Uint32Array.from(support.idx));
    if (support.labelMap) {
      s.labelMap = Uint32Array.from(support.labelMap);
      s.labelMapWidth = support.labelMap.length;
    }
    const grads = new Float32Array(L.stride);
    trainStepCpu(L, s, data, grads);
    const mine = lossGradHvpCpu(L, Float32Array.from(theta), null, support);
    assertClose(grads.subarray(0, L.paramCount), mine.grad, { atol: 1e-5, rtol: 1e-4, what: loss });
  }
});

Deno.test("lossGradHvpCpu's H v matches finite differences of the gradient", () => {
  for (
    const [loss, act] of [["cross_entropy", "tanh"], ["mse", "tanh"], [
      "cross_entropy",
      "relu",
    ]] as const
  ) {
    const { L, support, theta, dir } = problem(loss, act, 2);
    const eps = 1e-5;
    const at = (s: number) =>
      lossGradHvpCpu(L, theta.map((x, i) => x + s * eps * dir[i]!), null, support).grad;
    const [gp, gm] = [at(1), at(-1)];
    const fd = gp.map((x, i) => (x - gm[i]!) / (2 * eps));
    assertClose(lossGradHvpCpu(L, theta, dir, support).hv, fd, {
      atol: 1e-6,
      rtol: 1e-5,
      what: `${loss} ${act}`,
    });
  }
});

Deno.test("mamlMetaGradientCpu matches finite differences of the meta-loss; first order does not", () => {
  for (const loss of ["cross_entropy", "mse"] as const) {
    const { L, support, query, theta, dir } = problem(loss, "tanh", 3);
    const o = { lr: 0.4, steps: 3 };
    const metaLoss = (th: Float64Array) => mamlMetaGradientCpu(L, th, support, query, o).queryLoss;
    const eps = 1e-5;
    const fd = (metaLoss(theta.map((x, i) => x + eps * dir[i]!)) -
      metaLoss(theta.map((x, i) => x - eps * dir[i]!))) / (2 * eps);
    const dot = (g: Float64Array) => g.reduce((s, x, i) => s + x * dir[i]!, 0);
    const second = dot(mamlMetaGradientCpu(L, theta, support, query, o).metaGrad);
    const first = dot(
      mamlMetaGradientCpu(L, theta, support, query, { ...o, firstOrder: true }).metaGrad,
    );
    assert.ok(
      Math.abs(second - fd) <= 1e-6 + 1e-5 * Math.abs(fd),
      `${loss}: ${second} vs fd ${fd}`,
    );
    assert.ok(
      Math.abs(first - fd) > 1e-3 * Math.abs(fd),
      `${loss}: first order ${first} ~ fd ${fd}`,
    );
  }
});
