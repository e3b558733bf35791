/**
 * One seed of one setting of the `meta` experiment (meta/few_shot/experiment.ts): every method
 * of the config, each tuned on meta-validation episodes under the same protocol, then tested on
 * the same meta-test (and cross-domain) episodes.
 * @module
 */
import type { RunContext } from "../../core/experiment.ts";
import type { PhaseCheckpoints } from "../../core/phase_checkpoints.ts";
import type { MetricRow } from "../../core/run_dir.ts";
import { mean } from "../../core/stats.ts";
import type { Backend } from "../../learners/backend.ts";
import type { MetaConfig, MetaMethod, StaticMethod } from "./config.ts";
import type { StrategyChange } from "./pbt.ts";
import { runBaseline, runNearestNeighbour, runPretrained } from "./reference_methods.ts";
import { runSelfImproving } from "./self_improving_run.ts";
import {
  closeSettingRun,
  type MethodOutcome,
  openSettingRun,
  type SettingRun,
} from "./setting_run.ts";
import type { Setting } from "./settings.ts";
import { runStatic } from "./static_methods.ts";

export type { MethodOutcome };

/** Outcomes by `${setting}|${method}|${seed}`, and the self-improving system's changes. */
export interface MetaOutcomes {
  /** Outcome of each setting, method and seed that ran. */
  outcomes: Map<string, MethodOutcome>;
  /** Every strategy change, tagged with its setting and seed. */
  changes: (StrategyChange & { setting: string; seed: number })[];
  /**
   * Where this process ran the methods, for the summary: backendLabel's "cpu" or "gpu (...)",
   * "cpu (2 method workers)", or "cluster" (each job on its worker machine's backend).
   */
  ranOn?: string;
}

/** The key of an outcome. */
export function outcomeKey(setting: string, method: string, seed: number): string {
  return `${setting}|${method}|${seed}`;
}

/** Runs one method on an open seed x setting; yields its metric rows, returns its outcome (null: n/a). */
export async function* runMethod(
  r: SettingRun,
  method: MetaMethod,
  changes: StrategyChange[],
): AsyncGenerator<MetricRow, MethodOutcome | null> {
  switch (method) {
    case "baseline":
      return await runBaseline(r);
    case "nearest-neighbour":
      return runNearestNeighbour(r);
    case "pretrained":
      return await runPretrained(r);
    case "self-improving":
      return yield* runSelfImproving(r, changes);
    case "protonet": // a classifier: no regression
      return r.s.regression ? null : yield* runStatic(r, method);
    default:
      return yield* runStatic(r, method as StaticMethod);
  }
}

/** What a method's run hands to `methodPhase`: its outcome (null: n/a) and strategy changes. */
export interface MethodDone {
  /** The outcome, or null where the method does not apply to the setting. */
  o: MethodOutcome | null;
  /** Strategy changes it made (self-improving). */
  changes: StrategyChange[];
  /** Wall seconds of its run where it ran as a job elsewhere (default: the phase's own time). */
  seconds?: number;
}

/**
 * One method on one seed x setting as a checkpointed phase: loaded when a checkpoint has it, else
 * run by `run` (here or on a cluster worker), its rows and "tuned" row yielded before the save;
 * then recorded into `into` and logged.
 */
export async function* methodPhase(
  ctx: RunContext<MetaConfig>,
  into: MetaOutcomes & { ck: PhaseCheckpoints },
  unit: { s: Setting; seed: number; method: MetaMethod },
  run: () => AsyncGenerator<MetricRow, MethodDone>,
): AsyncGenerator<MetricRow> {
  const { s, seed, method } = unit;
  const t0 = performance.now();
  const key = outcomeKey(s.name, method, seed);
  const { o, changes, seconds } = yield* into.ck.phaseWithRows(key, async function* () {
    const done = yield* run();
    const o = done.o;
    if (o) yield { kind: "tuned", setting: s.name, seed, method, steps: o.stepsUsed, ...o.chosen };
    return done;
  });
  for (const ch of changes) into.changes.push({ ...ch, setting: s.name, seed });
  if (!o) return;
  into.outcomes.set(key, o);
  const k = Math.min(o.stepsUsed, o.curve.loss.length - 1);
  const metric = mean(Array.from((s.regression ? o.curve.loss : o.curve.accuracy)[k]!));
  ctx.log(
    `${s.name} seed ${seed} ${method}: ${
      (seconds ?? (performance.now() - t0) / 1000).toFixed(1)
    } s, ` +
      `test ${s.regression ? "MSE" : "accuracy"} ${metric.toFixed(3)} at ${o.stepsUsed} steps`,
  );
}

/**
 * Runs every method of the config on one seed of setting `s`; yields metric rows. A checkpoint is
 * saved after every method, and inside a method's meta-training at most every `checkpointSeconds`
 * of work (`SettingRun.progress`).
 */
export async function* runSeedSetting(
  ctx: RunContext<MetaConfig>,
  backend: Backend,
  s: Setting,
  seed: number,
  into: MetaOutcomes & { ck: PhaseCheckpoints },
): AsyncGenerator<MetricRow> {
  const r = openSettingRun(ctx, backend, s, seed);
  try {
    for (const method of ctx.config.methods) {
      const key = outcomeKey(s.name, method, seed);
      const progress = into.ck.progressSaver(key, ctx.config.checkpointSeconds);
      yield* methodPhase(ctx, into, { s, seed, method }, async function* () {
        const changes: StrategyChange[] = [];
        const o = yield* runMethod({ ...r, progress }, method, changes);
        return { o, changes };
      });
    }
  } finally {
    closeSettingRun(r);
  }
}
