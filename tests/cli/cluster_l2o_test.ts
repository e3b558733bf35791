/**
 * `train l2o --cluster` on a real nats-server (loopback port, file store) with cpu worker
 * processes: each task of every ES or REINFORCE generation is a job, and the run equals the
 * single-process run with the same seed (the three learned optimizers, metrics, summary metrics
 * and report, timing fields aside), also when a worker is killed -9 mid-job.
 */
import { join } from "node:path";
import { assertWorkerKillSurvived, assertWorkersEqualSingle } from "./_cluster_runs.ts";
import { clusterTest } from "../core/cluster/_cluster_harness.ts";

const TRAIN = ["train", "l2o", "--scale", "smoke", "--backend", "cpu", "--quiet"];
const KIND = "l2o_unroll_task";
const LEARNED = [
  "learned_optimizer.json",
  "learned_optimizer_reinforce.json",
  "learned_optimizer_per_param.json",
];

clusterTest("cluster: l2o with 3 workers equals the single-process run", async (dir) => {
  // Smoke: 3 learned methods x 3 generations x 2 tasks, in each of the smoke scale's 2
  // independent meta-training runs (metaSeeds).
  const jobs = () => Promise.resolve(36);
  const args = [...TRAIN, "--seed", "7"];
  await assertWorkersEqualSingle(dir, { args, kind: KIND, extra: LEARNED, jobs });
});

clusterTest(
  "cluster: l2o with a worker killed -9 mid-job -> the job is redelivered, the run identical",
  async (dir) => {
    // Unrolls of 300 steps: every job takes a good part of a second or more.
    const config = join(dir, "l2o.json");
    const es = { pairs: 4, tasks: 3, generations: 1, minUnroll: 300, maxUnroll: 300 };
    await Deno.writeTextFile(config, JSON.stringify({ es }));
    const args = [...TRAIN, "--seed", "5", "--config", config];
    await assertWorkerKillSurvived(dir, {
      args,
      kind: KIND,
      runKey: "l2o",
      extra: LEARNED,
    });
  },
);
