/**
 * Black-box evolution strategies researchers compare against: CMA-ES (sep-CMA-ES above D = 256),
 * OpenAI-ES, SNES and PGPE. Each runs S independent instances at once (one per segment) with the
 * same ask / evaluate / tell shape, on the GPU (`GpuStrategy`) or on the plain-loop CPU twins;
 * `minimize`, `cmaEs`, `openAiEs`, `snes` and `pgpe` minimise a batch objective with one of them.
 *
 * @example Minimise a function with CMA-ES
 * ```ts
 * import { cmaEs } from "./mod.ts";
 * const sphere = (xs: Float64Array, n: number, d: number) =>
 *   Array.from({ length: n }, (_, i) => xs.slice(i * d, i * d + d).reduce((a, v) => a + v * v, 0));
 * const { value } = cmaEs(sphere, { dim: 5, mean: 1, sigma: 0.5, target: 1e-8 });
 * ```
 * @module
 */
export * from "./strategy.ts";
export * from "./fitness_shaping.ts";
export * from "./openai_es.ts";
export * from "./snes.ts";
export * from "./pgpe.ts";
export * from "./cma_es.ts";
export * from "./cma_update.ts";
export * from "./registry.ts";
export * from "./minimize.ts";
export * from "./strategy_kernels.ts";
export * from "./gpu_strategy.ts";
export * from "./bbob_device.ts";
export * from "./bbob_run.ts";
