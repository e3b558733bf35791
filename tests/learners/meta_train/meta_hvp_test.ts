/**
 * The Hessian-vector kernel (shaders/meta_hvp.wgsl) against its twin hvpStepCpu on seeded models,
 * vectors and batches: cross-entropy with label maps (relu, 2 hidden layers) and MSE (tanh), with
 * model counts and widths that are not multiples of the workgroup size.
 */
import { createStorageBuffer, createStorageBufferFrom, readF32 } from "../../../core/buffers.ts";
import { Rng } from "../../../core/rng.ts";
import {
  dispatchMetaKernel,
  hvpScratchFloats,
  hvpStepCpu,
  META_HVP,
  metaHvpRun,
} from "../../../learners/meta_train/mod.ts";
import { type Activation, type LossKind, mlpLayout } from "../../../learners/mlp/mlp_layout.ts";
import { assertClose, gpuTest, randomDataset } from "../../helpers.ts";

const CASES: [LossKind, Activation, number[], number][] = [
  ["cross_entropy", "relu", [5, 9, 7, 3], 3],
  ["mse", "tanh", [1, 13, 1], 70],
];

for (const [loss, activation, widths, P] of CASES) {
  gpuTest(`meta_hvp matches hvpStepCpu() when loss=${loss}, models=${P}`, async (ctx) => {
    const rng = new Rng(P);
    const L = mlpLayout({ size: 1, widths, batchSize: 6, loss, activation });
    const count = 40;
    const data = randomDataset(rng, { count, inputs: widths[0]!, mse: loss === "mse", classes: 5 });
    const normals = (n: number, s: number) =>
      Float32Array.from({ length: n }, () => s * rng.normal());
    const theta = normals(P * L.stride, 0.5);
    const v = normals(P * L.stride, 1);
    const rowLen = 14;
    const batches = Uint32Array.from({ length: P * rowLen }, () => rng.int(count));
    const labelWidth = loss === "mse" ? 0 : 5;
    const labelMap = Uint32Array.from({ length: Math.max(1, P * labelWidth) }, () => rng.int(3));
    const o = { models: P, rowLen, labelWidth, lr: 0.3 };
    const b = {
      x: createStorageBufferFrom(ctx, data.x, "x"),
      y: createStorageBufferFrom(ctx, data.y, "y"),
      batches: createStorageBufferFrom(ctx, batches, "b"),
      labelMap: createStorageBufferFrom(ctx, labelMap, "l"),
      theta: createStorageBufferFrom(ctx, theta, "t"),
      v: createStorageBufferFrom(ctx, v, "v"),
      hv: createStorageBuffer(ctx, v.byteLength, "hv"),
      scratch: createStorageBuffer(ctx, P * hvpScratchFloats(L) * 4, "s"),
    };
    await dispatchMetaKernel(ctx, META_HVP, metaHvpRun(L, b, { ...o, targetWidth: 1 }));
    const got = await readF32(ctx, b.v);
    hvpStepCpu(L, data, { theta, v, batches, labelMap }, o);
    assertClose(got, v, { atol: 1e-5, rtol: 1e-4, what: `${loss} v - lr H v` });
    for (const x of Object.values(b)) x.destroy();
  });
}
