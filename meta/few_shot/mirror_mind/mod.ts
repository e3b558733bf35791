/**
 * MirrorMind's parts (seed 004), each usable alone: a plateau-aware learning-rate scheduler, a
 * performance analyzer (over/underfitting from the support/query gap), a gradient-health monitor
 * and an importance-weighted experience replay. Curriculum (`PerformanceSchedule`) and adaptive
 * task selection (`TaskSampler`) live in learners/tasks and are used by the same loop.
 * @module
 */
export * from "./plateau_scheduler.ts";
export * from "./performance_analyzer.ts";
export * from "./gradient_monitor.ts";
export * from "./experience_replay.ts";
