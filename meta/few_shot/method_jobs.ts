/**
 * The `meta` experiment's independent units as cluster jobs: one job per (setting, seed, method),
 * carrying the resolved config, the setting's name, the seed and the method (no data: the worker
 * builds the setting and samples its episode pools from the seed, as the single-process run does).
 * The worker runs the method on a fresh seed x setting and returns its metric rows, strategy
 * changes and outcome; the coordinator records them in unit order, so a run with any number of
 * workers equals the single-process run (on the same backend). A method's tuning trials and the
 * self-improving system's PBT members stay inside its job: they meet at every selection, and
 * splitting them would ship parameters, not seeds.
 * @module
 */
import type { Cluster } from "../../core/cluster/cluster_connection.ts";
import { jobsInOrder, type JobSpec } from "../../core/cluster/coordinator.ts";
import { contentId } from "../../core/cluster/job_protocol.ts";
import type { JobHandler } from "../../core/cluster/worker_loop.ts";
import type { RunContext } from "../../core/experiment.ts";
import type { PhaseCheckpoints } from "../../core/phase_checkpoints.ts";
import type { MetricRow } from "../../core/run_dir.ts";
import type { Backend } from "../../learners/backend.ts";
import type { MetaConfig, MetaMethod, MetaSettingName } from "./config.ts";
import type { StrategyChange } from "./pbt.ts";
import { clearPretrainedCache } from "./reference_methods.ts";
import {
  type MetaOutcomes,
  type MethodDone,
  methodPhase,
  outcomeKey,
  runMethod,
} from "./run_setting.ts";
import { closeSettingRun, openSettingRun, type SettingRun } from "./setting_run.ts";
import { buildSetting, type Setting } from "./settings.ts";

/** Job kind of one method on one seed x setting. */
export const META_METHOD_JOB = "meta_method";

/** What a method job carries. */
export interface MethodJob {
  /** The run's resolved config. */
  config: MetaConfig;
  /** The setting. */
  setting: MetaSettingName;
  /** The seed of this seed x setting. */
  seed: number;
  /** The method. */
  method: MetaMethod;
}

/** What a method job returns. */
export interface MethodJobValue extends MethodDone {
  /** Metric rows the method yielded, in order. */
  rows: MetricRow[];
}

/** Runs one method job on `backend` (a fresh seed x setting); returns its rows and outcome. */
export async function runMethodJob(
  backend: Backend,
  job: MethodJob,
  log: (line: string) => void = () => {},
): Promise<MethodJobValue> {
  const s = await buildSetting(job.setting, job.config, log);
  const r = openSettingRun({ config: job.config }, backend, s, job.seed);
  try {
    return await runMethodOn(r, job.method);
  } finally {
    closeSettingRun(r);
  }
}

/**
 * Runs `method` on the open seed x setting `r` (as the single-process run does, one method after
 * another on one open run); returns its rows, outcome and wall seconds.
 */
export async function runMethodOn(r: SettingRun, method: MetaMethod): Promise<MethodJobValue> {
  const t0 = performance.now();
  try {
    const rows: MetricRow[] = [];
    const changes: StrategyChange[] = [];
    const run = runMethod(r, method, changes);
    let next = await run.next();
    for (; !next.done; next = await run.next()) rows.push(next.value);
    return { rows, changes, o: next.value, seconds: (performance.now() - t0) / 1000 };
  } finally {
    clearPretrainedCache();
  }
}

/** The worker's handler of method jobs, running them on `backend`. */
export function methodJobHandler(backend: Backend, log?: (line: string) => void): JobHandler {
  return (payload) => runMethodJob(backend, payload as MethodJob, log);
}

/** Runs method jobs elsewhere and yields their values in job order. */
export type MethodRunner = (jobs: readonly MethodJob[]) => AsyncIterable<MethodJobValue>;

let methodRunner: MethodRunner | undefined;

/** Sets (or clears) where the `meta` experiment runs its methods; default: this process. */
export function setMethodRunner(r: MethodRunner | undefined): void {
  methodRunner = r;
}

/** The runner set with `setMethodRunner`, if any. */
export function currentMethodRunner(): MethodRunner | undefined {
  return methodRunner;
}

/**
 * A method runner that sends each method as a job on `cluster` under run key `run`; a job that
 * failed on every delivery stops the run with its error.
 */
export function clusterMethodRunner(
  cluster: Cluster,
  run: string,
  log?: (line: string) => void,
): MethodRunner {
  return async function* (jobs) {
    const specs: JobSpec[] = [];
    for (const job of jobs) {
      specs.push({ id: await contentId(job), kind: META_METHOD_JOB, payload: job });
    }
    log?.(`cluster: ${specs.length} method jobs (setting x seed x method)`);
    let i = 0;
    for await (const r of jobsInOrder(cluster, run, specs)) {
      const { setting, seed, method } = jobs[i]!;
      if (!r.ok) {
        throw new Error(
          `Cluster job ${
            specs[i]!.id
          } (${setting} seed ${seed} ${method}) failed after ${r.deliveries} deliveries: ${r.error}`,
        );
      }
      i++;
      yield r.value as MethodJobValue;
    }
  };
}

/**
 * Runs every setting x seed x method with `runner` (those a checkpoint has are loaded, not sent)
 * and records each, in that order, as the single-process run does; yields the metric rows.
 */
export async function* runMethodsWith(
  runner: MethodRunner,
  ctx: RunContext<MetaConfig>,
  settings: readonly Setting[],
  seeds: readonly number[],
  into: MetaOutcomes & { ck: PhaseCheckpoints },
): AsyncGenerator<MetricRow> {
  const units = settings.flatMap((s) =>
    seeds.flatMap((seed) => ctx.config.methods.map((method) => ({ s, seed, method })))
  );
  const pending = units.filter((u) => !into.ck.done(outcomeKey(u.s.name, u.method, u.seed)));
  const jobs = pending.map(({ s, seed, method }) => ({
    config: ctx.config,
    setting: s.name,
    seed,
    method,
  }));
  const values = runner(jobs)[Symbol.asyncIterator]();
  for (const unit of units) {
    yield* methodPhase(ctx, into, unit, async function* () {
      const next = await values.next();
      if (next.done) throw new Error("Cluster method runner ended before its last job");
      yield* next.value.rows;
      const { o, changes, seconds } = next.value;
      return { o, changes, seconds };
    });
  }
}
