/**
 * Wrapper of `shaders/meta_es_perturb.wgsl` (ES-MAML's antithetic population drawn on the device
 * from the counter RNG) and its CPU twin `esPerturbCpu`.
 * @module
 */
import code from "../../shaders/meta_es_perturb.wgsl" with { type: "text" };
import { rngNormal } from "../../core/rng.ts";
import { type MetaBinding, type MetaKernel, metaKernel, type MetaRun } from "./meta_kernel.ts";

/** The RNG stream of the meta loop's ES-MAML perturbations. */
export const ES_STREAM = 0x6573;

/** What one perturbation draws: shape, RNG key and counter, scale. */
export interface EsPerturbOptions {
  /** Antithetic pairs (tasks). */
  pairs: number;
  /** Parameters perturbed per row. */
  count: number;
  /** Floats per row. */
  stride: number;
  /** RNG seed and stream. */
  seed: number;
  /** RNG stream. */
  stream: number;
  /** Second counter word (the meta-iteration). */
  c1: number;
  /** Perturbation scale sigma. */
  sigma: number;
}

/**
 * CPU twin: noise[j, i] = rngNormal(seed, stream, j * count + i, c1) (rounded to f32), rows 2j and
 * 2j + 1 = theta +- sigma * noise (padding entries copy theta). Returns rows and noise.
 */
export function esPerturbCpu(
  theta: ArrayLike<number>,
  o: EsPerturbOptions,
): { rows: Float32Array<ArrayBuffer>; noise: Float32Array<ArrayBuffer> } {
  const rows = new Float32Array(2 * o.pairs * o.stride);
  const noise = new Float32Array(o.pairs * o.count);
  for (let j = 0; j < o.pairs; j++) {
    for (let i = 0; i < o.stride; i++) {
      const plus = 2 * j * o.stride + i;
      if (i >= o.count) {
        rows[plus] = rows[plus + o.stride] = theta[i]!;
        continue;
      }
      const e = Math.fround(rngNormal(o.seed, o.stream, j * o.count + i, o.c1));
      noise[j * o.count + i] = e;
      rows[plus] = theta[i]! + o.sigma * e;
      rows[plus + o.stride] = theta[i]! - o.sigma * e;
    }
  }
  return { rows, noise };
}

/** The perturbation kernel (composed with the RNG snippet). */
export const META_ES_PERTURB: MetaKernel = metaKernel("meta_es_perturb", code, {
  rng: true,
  read: "theta",
  readWrite: "rows, noise",
  params: "pairs, count, stride, seed, stream, c1, gridX, sigma: f32",
});

/** The kernel run of one perturbation. */
export function metaEsPerturbRun(
  b: { theta: MetaBinding; rows: MetaBinding; noise: MetaBinding },
  o: EsPerturbOptions,
): MetaRun {
  const { pairs, count, stride, seed, stream, c1, sigma } = o;
  const params = { pairs, count, stride, seed, stream, c1, sigma };
  return { n: pairs * stride, buffers: { theta: b.theta, rows: b.rows, noise: b.noise }, params };
}
