/**
 * One evaluation run of several methods (each with its learning rate) on the tasks of a family:
 * every (task, method) pair is one model of one population, copies of a task sharing the init
 * and the minibatches.
 * @module
 */
import type { Backend } from "../../learners/backend.ts";
import type { Knobs } from "../../learners/optimizers/knobs.ts";
import { LEARNED_STRIDE } from "../../learners/optimizers/knobs.ts";
import type { TaskFamily } from "../../learners/tasks/task_family.ts";
import { type LearnedOptimizer, learnedOptimizerRow } from "../learned_optimizer.ts";
import { runUnroll, type UnrollResult } from "../learned_optimizer_unroll.ts";
import { type L2oConfig, type L2oMethod, LEARNED_METHODS, type LearnedMethod } from "./config.ts";

/** Knobs of method m at learning rate lr, at `step` of a `steps`-step run. */
function methodKnobs(m: L2oMethod, lr: number, step: number, steps: number): Knobs {
  switch (m) {
    case "sgd":
      return { optimizer: "sgd", lr };
    case "momentum":
      return { optimizer: "momentum", lr, momentum: 0.9 };
    case "adam":
      return { optimizer: "adam", lr };
    case "sgd-cosine":
      return { optimizer: "sgd", lr: lr * 0.5 * (1 + Math.cos(Math.PI * step / steps)) };
    case "learned":
    case "learned-reinforce":
      return { optimizer: "learned", lr, momentum: 0.9, horizon: steps };
    case "learned-per-param":
      return { optimizer: "learned-per-param", lr, momentum: 0.9, horizon: steps };
  }
}

/** One evaluation run of several methods (with their lrs) on the tasks of a family. */
export async function compare(
  backend: Backend,
  family: TaskFamily,
  methods: { method: L2oMethod; lr: number }[],
  learned: Record<LearnedMethod, LearnedOptimizer>,
  c: L2oConfig,
  o: { tasks: number; seed: number },
): Promise<UnrollResult> {
  const M = methods.length;
  const knobsAt = (step: number) =>
    Array.from({ length: o.tasks * M }, (_, p) => {
      const { method, lr } = methods[p % M]!;
      return methodKnobs(method, lr, step, c.steps);
    });
  const rows = new Float32Array(o.tasks * M * LEARNED_STRIDE);
  for (let p = 0; p < o.tasks * M; p++) {
    const { method } = methods[p % M]!;
    if (method in LEARNED_METHODS) {
      rows.set(learnedOptimizerRow(learned[method as LearnedMethod]), p * LEARNED_STRIDE);
    }
  }
  const tasks = family.sampleEpisodes(o.seed, o.tasks);
  return await runUnroll(backend, tasks, {
    copies: M,
    knobs: knobsAt(0),
    knobsAt: (s) => (methods.some((m) => m.method === "sgd-cosine") ? knobsAt(s) : undefined),
    learned: rows,
    steps: c.steps,
    every: c.every,
    seed: o.seed,
    model: c.model,
  });
}

/** Sample variance of the finite values (NaN for fewer than two). */
export function variance(v: number[]): number {
  const f = v.filter(Number.isFinite);
  if (f.length < 2) return NaN;
  const m = f.reduce((a, b) => a + b, 0) / f.length;
  return f.reduce((a, b) => a + (b - m) * (b - m), 0) / (f.length - 1);
}

/** Mean of the finite values (NaN for none). */
export function meanOf(v: number[]): number {
  const f = v.filter(Number.isFinite);
  return f.length ? f.reduce((a, b) => a + b, 0) / f.length : NaN;
}
