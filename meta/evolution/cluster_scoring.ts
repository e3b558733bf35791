/**
 * Meta-generation scoring on a cluster: each independent part of a scoring (`scoreParts`) becomes
 * one job carrying the genomes, tasks, options (seed included) and part; its id is a hash of that
 * content, so a repeated or resumed scoring reuses finished results. Results come back in part
 * order, so a run with any number of workers equals the single-process run (on the same backend).
 * @module
 */
import type { Cluster } from "../../core/cluster/cluster_connection.ts";
import { type JobSpec, runJobs } from "../../core/cluster/coordinator.ts";
import { contentId } from "../../core/cluster/job_protocol.ts";
import type { JobHandler } from "../../core/cluster/worker_loop.ts";
import type { Backend } from "../../learners/backend.ts";
import type { StrategyGenome } from "../../learners/evolution/evolution_genome.ts";
import type { MetaTask } from "./meta_task.ts";
import { type PartRunner, type PartScores, type ScoreOptions, scorePart } from "./score_genomes.ts";

/** Job kind of a scoring part. */
export const SCORE_PART_JOB = "score_part";

/** What a scoring-part job carries. */
export interface ScorePartPayload {
  /** Genomes scored. */
  genomes: StrategyGenome[];
  /** The whole task set (the part picks its tasks). */
  tasks: MetaTask[];
  /** Scoring options, seed included. */
  options: ScoreOptions;
  /** The part (see scoreParts). */
  part: number;
}

/** The worker's handler of scoring-part jobs, running them on `backend`. */
export function scorePartHandler(backend: Backend): JobHandler {
  return (payload) => {
    const p = payload as ScorePartPayload;
    return scorePart(backend, p.genomes, p.tasks, p.options, p.part);
  };
}

function checkShippable(tasks: readonly MetaTask[]): void {
  for (const t of tasks) {
    if (t.kind === "user_objective") {
      throw new Error(
        `Cannot run task ${t.name} on a cluster as user objectives (WGSL files with a CPU twin) are not shipped to workers; run it without --cluster`,
      );
    }
  }
}

/**
 * A part runner that sends each part as a job on `cluster` under run key `run` and waits for the
 * results; a part that failed on every delivery stops the scoring with its error.
 */
export function clusterPartRunner(
  cluster: Cluster,
  run: string,
  log?: (line: string) => void,
): PartRunner {
  return async (genomes, tasks, o, parts) => {
    checkShippable(tasks);
    const jobs: JobSpec[] = [];
    for (const part of parts) {
      const payload: ScorePartPayload = {
        genomes: [...genomes],
        tasks: [...tasks],
        options: o,
        part,
      };
      jobs.push({ id: await contentId(payload), kind: SCORE_PART_JOB, payload });
    }
    const { results, stats } = await runJobs(cluster, run, jobs);
    log?.(`cluster: ${jobs.length} parts (${stats.published} published, ${stats.reused} reused)`);
    return results.map((r, i) => {
      if (!r.ok) {
        throw new Error(
          `Cluster job ${jobs[i]!.id} (part ${
            parts[i]
          }) failed after ${r.deliveries} deliveries: ${r.error}`,
        );
      }
      return r.value as PartScores;
    });
  };
}
