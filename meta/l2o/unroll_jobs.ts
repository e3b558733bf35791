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
  /** The unroll's options for this task's models. */
  unroll: Omit<UnrollOptions, "knobsAt" | "taskRange">;
}

const described = new WeakMap<TaskFamily, SyntheticClassificationOptions>();

/** A synthetic family that remembers its options, so its unrolls can be shipped to workers. */
export function describedFamily(o: SyntheticClassificationOptions): SyntheticClassification {
  const f = new SyntheticClassification(o);
  described.set(f, structuredClone(o));
  return f;
}

/** Runs one unroll-task job on `backend`. */
export function runUnrollTask(backend: Backend, job: UnrollTaskJob): Promise<UnrollResult> {
  const family = new SyntheticClassification(job.family);
  const tasks = family.sampleEpisodes(job.sample.seed, job.sample.count);
  return runUnroll(backend, tasks, { ...job.unroll, taskRange: [job.task, job.task + 1] });
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
  const { knobsAt: _, taskRange: __, ...rest } = o;
  const n = o.copies;
  return Array.from({ length: sample.count }, (_, t) => ({
    family,
    sample,
    task: t,
    unroll: {
      ...rest,
      knobs: o.knobs.slice(t * n, (t + 1) * n),
      learned: o.learned?.slice(t * n * LEARNED_STRIDE, (t + 1) * n * LEARNED_STRIDE),
    },
  }));
}

/** The whole unroll's result from its task jobs' results, in task order. */
function gather(parts: UnrollResult[]): UnrollResult {
  const flat = (f: (r: UnrollResult) => ArrayLike<number>) =>
    parts.flatMap((r) => Array.from(f(r)));
  return {
    x: parts[0]!.x,
    loss: parts.flatMap((r) => r.loss),
    gradNorm: parts.flatMap((r) => r.gradNorm),
    diverged: Uint8Array.from(flat((r) => r.diverged)),
    queryLoss: Float32Array.from(flat((r) => r.queryLoss)),
    queryAccuracy: Float32Array.from(flat((r) => r.queryAccuracy)),
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
      return r.value as UnrollResult;
    }));
  };
}
