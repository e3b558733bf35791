/**
 * Wrapper of `shaders/meta_hvp.wgsl` (one step back through an inner SGD step of second-order
 * MAML: v <- v - lr H v for every model); its CPU twin is `hvpStepCpu` in maml_cpu.ts.
 * @module
 */
import code from "../../shaders/meta_hvp.wgsl" with { type: "text" };
import type { MlpLayout } from "../mlp/mlp_layout.ts";
import type { HvpTables } from "./maml_cpu.ts";
import { type MetaBinding, type MetaKernel, metaKernel, type MetaRun } from "./meta_kernel.ts";

/** The Hessian-vector kernel. */
export const META_HVP: MetaKernel = metaKernel("meta_hvp", code);

/** Bindings of the Hessian-vector kernel. */
export interface HvpBuffers {
  /** (count, inputs) f32 inputs of the data set. */
  x: MetaBinding;
  /** (count, targetWidth) targets. */
  y: MetaBinding;
  /** (models, rowLen) batch table. */
  batches: MetaBinding;
  /** (models, labelWidth) label maps (any buffer when labelWidth is 0). */
  labelMap: MetaBinding;
  /** (models, stride) parameters at which the Hessian is taken. */
  theta: MetaBinding;
  /** (models, stride) the vector, updated. */
  v: MetaBinding;
  /** (models, stride) scratch for H v. */
  hv: MetaBinding;
  /** (models, 4 * actWidth) scratch. */
  scratch: MetaBinding;
}

/** Floats of the kernel's activation scratch per model. */
export function hvpScratchFloats(L: MlpLayout): number {
  return 4 * L.actWidth;
}

/** The kernel run over every model of `o.models` for layout `L` and target width `targetWidth`. */
export function metaHvpRun(
  L: MlpLayout,
  b: HvpBuffers,
  o: HvpTables & { targetWidth: number },
): MetaRun {
  // Params (words): models 0, stride 1, layers 2, actWidth 3, batchSize 4, rowLen 5, labelWidth 6,
  // lossKind 7, activation 8, targetWidth 9, gridX 10, lr 11 (f32), widths 12..16,
  // weightOffset 17..20, biasOffset 21..24, actOffset 25..28, padding 29..31.
  const u = new ArrayBuffer(128);
  const w = new Uint32Array(u);
  w.set([
    o.models,
    L.stride,
    L.layers,
    L.actWidth,
    L.batchSize,
    o.rowLen,
    o.labelWidth,
    L.loss === "mse" ? 1 : 0,
    L.activation === "relu" ? 0 : 1,
    o.targetWidth,
  ]);
  new Float32Array(u, 11 * 4, 1)[0] = o.lr;
  w.set(L.widths, 12);
  w.set(L.weightOffset, 17);
  w.set(L.biasOffset, 21);
  w.set(L.actOffset, 25);
  return {
    n: o.models,
    buffers: [b.x, b.y, b.batches, b.labelMap, b.theta, b.v, b.hv, b.scratch],
    uniform: u,
    gridXWord: 10,
  };
}
