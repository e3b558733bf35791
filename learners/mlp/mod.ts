/**
 * The MLP population kernels: parameter layout, the register-tile plans and WGSL generators of the
 * fused train step and evaluate kernels, the one- and two-hidden-layer fused steps' plans, their wrappers (train step, evaluate, init, minibatch
 * sampling) and the plain-loop CPU twins they are tested against.
 * @module
 */
export * from "./mlp_layout.ts";
export * from "./mlp_cpu.ts";
export * from "./loop_budget.ts";
export * from "./mlp_uniform.ts";
export * from "./mlp_kernel.ts";
export * from "./mlp_tiles.ts";
export * from "./mlp_fused.ts";
export * from "./mlp_fused2.ts";
