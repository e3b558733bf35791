/**
 * Core: WebGPU context, buffers and pipelines, the counter-based RNG twin, config validation,
 * run folders, statistics, plots, reports, dashboards, progress and the experiment registry.
 * @module
 */
export * from "./gpu_context.ts";
export * from "./buffers.ts";
export * from "./pipelines.ts";
export * from "./wgsl_layout.ts";
export * from "./kernel_interface.ts";
export * from "./rng.ts";
export * from "./rng_fill.ts";
export * from "./atomic.ts";
export * from "./stats.ts";
export * from "./format.ts";
export * from "./config_schema.ts";
export * from "./input_error.ts";
export * from "./input_files.ts";
export * from "./out_dir.ts";
export * from "./run_prepare.ts";
export * from "./run_stop.ts";
export * from "./write_error.ts";
export * from "./exact_json.ts";
export * from "./float_log.ts";
export * from "./json_log.ts";
export * from "./run_dir.ts";
export * from "./checkpoint.ts";
export * from "./phase_checkpoints.ts";
export * from "./plots.ts";
export * from "./report.ts";
export * from "./dashboard.ts";
export * from "./progress.ts";
export * from "./experiment.ts";
