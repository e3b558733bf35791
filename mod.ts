/**
 * metaforge: a research engine for meta-learning and recursive self-improvement. Populations of
 * small neural networks train and evolve together in fused WebGPU compute kernels; every kernel
 * has a plain-loop TypeScript twin (the CPU backend) that specifies it.
 *
 * ```ts ignore
 * import { createBackend } from "./mod.ts";
 *
 * const backend = await createBackend("auto");
 * const data = backend.uploadDataset({ count: 4, inputs: 2, targetWidth: 1, classes: 2,
 *   x: new Float32Array([0, 0, 0, 1, 1, 0, 1, 1]), y: new Float32Array([0, 1, 1, 0]) });
 * const pop = backend.createPopulation({ size: 64, widths: [2, 16, 2], batchSize: 4 });
 * pop.init(1);
 * pop.setKnobs(Array.from({ length: 64 }, (_, p) => ({ lr: 0.01 * (p + 1) })));
 * pop.setBatches(new Uint32Array(64 * 4).map((_, i) => i % 4), 1);
 * pop.train(data, 500);
 * const { accuracy } = await pop.evaluate(data, new Uint32Array(64 * 4).map((_, i) => i % 4));
 * ```
 * @module
 */
export * from "./core/mod.ts";
export * from "./learners/mod.ts";
export * from "./meta/mod.ts";
