/**
 * Meta-training on a backend: the meta-update kernels (Reptile, first-order MAML, ES-MAML,
 * Meta-SGD) with their CPU twins, and the on-device meta-training loop (`Backend.createMetaLoop`).
 * @module
 */
export * from "./meta_kernel.ts";
export * from "./meta_adam.ts";
export * from "./meta_mean.ts";
export * from "./meta_reptile_update.ts";
export * from "./meta_fomaml_update.ts";
export * from "./meta_es_maml_update.ts";
export * from "./meta_sgd_update.ts";
export * from "./meta_loop.ts";
export * from "./meta_gather.ts";
export * from "./meta_tile.ts";
export * from "./meta_log.ts";
export * from "./cpu_meta_loop.ts";
export * from "./gpu_meta_loop.ts";
export * from "./maml_cpu.ts";
export * from "./meta_hvp.ts";
export * from "./meta_sgd_inner.ts";
export * from "./meta_es_perturb.ts";
export * from "./protonet_cpu.ts";
export * from "./protonet_distance.ts";
export * from "./protonet_grad.ts";
export * from "./gpu_protonet.ts";
export * from "./mlp_layout_params.ts";
export * from "./lowrank_loop.ts";
export * from "./lowrank_shape.ts";
export * from "./lowrank_cpu.ts";
export * from "./cpu_lowrank_loop.ts";
export * from "./gpu_lowrank_loop.ts";
export * from "./lowrank_kernels.ts";
export * from "./gpu_loop_tables.ts";
export * from "./lowrank_budget.ts";
