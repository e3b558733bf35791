/**
 * The l2o experiment's ES (and REINFORCE) perturbations as cluster jobs: each generation's unroll
 * is split by task, one job per task carrying the family's options, the sampling seed, the task,
 * the perturbed meta-network rows of its models, their knobs and the unroll's seed (no data: the
 * worker samples the episodes itself). A task's models are the antithetic pairs that share its
 * init and minibatches; `runUnroll`'s `taskRange` gives them exactly the init, label map and
 * minibatches they have in the whole unroll, so the gathered loss curves, in task order, are those
 * of the single-process run (on the same backend). Families the experiment did not describe with
 * `describedFamily`, and unrolls with a knob schedule, run in this process.
 * @module
 */
import type { Cluster } from "../../core/cluster/cluster_connection.ts";
import { type JobSpec, runJobs } from "../../core/cluster/coordinator.ts";
import { contentId } from "../../core/cluster/job_protocol.ts";
import type { JobHandler } from "../../core/cluster/worker_loop.ts";
import type { Backend } from "../../learners/backend.ts";
import { LEARNED_STRIDE } from "../../learners/optimizers/knobs.ts";
import {
  SyntheticClassification,
  type SyntheticClassificationOptions,
} from "../../learners/tasks/synthetic_classification.ts";
import type { TaskFamily } from "../../learners/tasks/task_family.ts";
import {
  runUnroll,
  type UnrollOptions,
  type UnrollResult,
  type UnrollRunner,
  type UnrollSample,
} from "../learned_optimizer_unroll.ts";

/** Job kind of one task's models of an unroll. */
export const UNROLL_TASK_JOB = "l2o_unroll_task";

/** What an unroll-task job carries. */
export interface UnrollTaskJob {
  /** Options of the synthetic task family. */
  family: SyntheticClassificationOptions;
  /** The episodes of the whole unroll. */
  sample: UnrollSample;
  /** The task this job trains. */
  task: number;
  /** The unroll's options for this task's models (learned rows as plain numbers). */
  unroll: Omit<UnrollOptions, "learned" | "knobsAt" | "taskRange"> & { learned?: number[] };
}

/** What an unroll-task job returns: its models' part of the UnrollResult, as plain arrays. */
interface UnrollTaskValue {
  x: number[];
  loss: number[][];
  gradNorm: number[][];
  diverged: number[];
  queryLoss: number[];
  queryAccuracy: number[];
}

const described = new WeakMap<TaskFamily, SyntheticClassificationOptions>();

/** A synthetic family that remembers its options, so its unrolls can be shipped to workers. */
export function describedFamily(o: SyntheticClassificationOptions): SyntheticClassification {
  const f = new SyntheticClassification(o);
  described.set(f, structuredClone(o));
  return f;
}

/** Runs one unroll-task job on `backend`. */
export async function runUnrollTask(
  backend: Backend,
  job: UnrollTaskJob,
): Promise<UnrollTaskValue> {
  const tasks = new SyntheticClassification(job.family).sampleEpisodes(
    job.sample.seed,
    job.sample.count,
  );
  const { learned, ...rest } = job.unroll;
  const r = await runUnroll(backend, tasks, {
    ...rest,
    learned: learned && Float32Array.from(learned),
    taskRange: [job.task, job.task + 1],
  });
  return {
    x: r.x,
    loss: r.loss,
    gradNorm: r.gradNorm,
    diverged: Array.from(r.diverged),
    queryLoss: Array.from(r.queryLoss),
    queryAccuracy: Array.from(r.queryAccuracy),
  };
}

/** The worker's handler of unroll-task jobs, running them on `backend`. */
export function unrollTaskHandler(backend: Backend): JobHandler {
  return (payload) => runUnrollTask(backend, payload as UnrollTaskJob);
}

/** The jobs of one unroll: one per task, each with its models' knobs and learned rows. */
function unrollJobs(
  family: SyntheticClassificationOptions,
  sample: UnrollSample,
  o: UnrollOptions,
): UnrollTaskJob[] {
  const { learned, knobsAt: _, taskRange: __, ...rest } = o;
  const n = o.copies;
  return Array.from({ length: sample.count }, (_, t) => ({
    family,
    sample,
    task: t,
    unroll: {
      ...rest,
      knobs: o.knobs.slice(t * n, (t + 1) * n),
      learned: learned &&
        Array.from(learned.subarray(t * n * LEARNED_STRIDE, (t + 1) * n * LEARNED_STRIDE)),
    },
  }));
}

/** The whole unroll's result from its task jobs' values, in task order. */
function gather(values: UnrollTaskValue[]): UnrollResult {
  return {
    x: values[0]!.x,
    loss: values.flatMap((v) => v.loss),
    gradNorm: values.flatMap((v) => v.gradNorm),
    diverged: Uint8Array.from(values.flatMap((v) => v.diverged)),
    queryLoss: Float32Array.from(values.flatMap((v) => v.queryLoss)),
    queryAccuracy: Float32Array.from(values.flatMap((v) => v.queryAccuracy)),
  };
}

/**
 * An unroll runner that sends each task of an unroll of a described family as a job on `cluster`
 * under run key `run`; a job that failed on every delivery stops the run with its error.
 */
export function clusterUnrollRunner(cluster: Cluster, run: string): UnrollRunner {
  return async (backend, family, sample, o) => {
    const desc = described.get(family);
    if (!desc || o.knobsAt || o.taskRange) {
      return await runUnroll(backend, family.sampleEpisodes(sample.seed, sample.count), o);
    }
    const jobs = unrollJobs(desc, sample, o);
    const specs: JobSpec[] = [];
    for (const job of jobs) {
      specs.push({ id: await contentId(job), kind: UNROLL_TASK_JOB, payload: job });
    }
    const { results } = await runJobs(cluster, run, specs);
    return gather(results.map((r, t) => {
      if (!r.ok) {
        throw new Error(
          `Cluster job ${
            specs[t]!.id
          } (unroll task ${t}) failed after ${r.deliveries} deliveries: ${r.error}`,
        );
      }
      return r.value as UnrollTaskValue;
    }));
  };
}
