/**
 * `train meta --cluster` on a real nats-server (loopback port, file store) with cpu worker
 * processes: every setting x seed x method is a job, and the run equals the single-process run
 * with the same seed (metrics, summary metrics and report, timing fields aside), also when a
 * worker is killed -9 mid-job (the job is redelivered to another worker), and when the coordinator
 * is killed -9 after a checkpoint and resumed (finished methods load from the checkpoint, jobs in
 * flight are taken from the results bucket: no job runs twice).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runDir, runResults, summaryBackend } from "./_run_results.ts";
import {
  assertWorkerKillSurvived,
  assertWorkersEqualSingle,
  jobsTaken,
  withWorkers,
} from "./_cluster_runs.ts";
import { Child, clusterTest } from "../core/cluster/_cluster_harness.ts";

const TRAIN = ["train", "meta", "--scale", "smoke", "--backend", "cpu", "--quiet"];
const KIND = "meta_method";

clusterTest("cluster: meta with 3 workers equals the single-process run", async (dir) => {
  // One job per setting x seed x method.
  const jobs = async (run: string) => {
    const c = JSON.parse(await Deno.readTextFile(join(run, "config.json")));
    return c.settings.length * c.seeds * c.methods.length;
  };
  const args = [...TRAIN, "--seed", "7"];
  await assertWorkersEqualSingle(dir, { args, kind: KIND, jobs });
  // Equal results; the summaries say where each computed (left out of the comparison).
  assert.equal(await summaryBackend(join(dir, "single")), "cpu");
  assert.equal(await summaryBackend(join(dir, "n3")), "cluster");
});

clusterTest(
  "cluster: meta with a worker killed -9 mid-job -> the job is redelivered, the run identical",
  async (dir) => {
    // Jobs of a second or more each, so the worker is killed while it runs one.
    const config = join(dir, "meta.json");
    await Deno.writeTextFile(
      config,
      JSON.stringify({
        settings: ["synthetic-1shot"],
        methods: ["reptile", "fomaml", "self-improving"],
        metaIterations: 3000,
      }),
    );
    const args = [...TRAIN, "--seed", "5", "--config", config];
    await assertWorkerKillSurvived(dir, { args, kind: KIND, runKey: "meta" });
  },
);

/** Whether `path` exists. */
async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

clusterTest(
  "cluster: meta coordinator killed -9 after a checkpoint, then resumed -> identical, no job run twice",
  async (dir) => {
    const config = join(dir, "meta.json");
    const methods = ["baseline", "reptile", "fomaml", "self-improving"];
    const meta = { settings: ["synthetic-1shot"], methods, metaIterations: 1500 };
    await Deno.writeTextFile(config, JSON.stringify(meta));
    const args = [...TRAIN, "--seed", "6", "--config", config];
    assert.equal(await new Child([...args, "--out", join(dir, "single")]).exit(), 0);
    await withWorkers(dir, 3, 30, async (server, ws) => {
      const out = join(dir, "c");
      const coord = new Child([...args, "--out", out, "--cluster", server.url]);
      let run = "";
      while (!run || !(await exists(join(run, "checkpoint", "state.json")))) {
        await new Promise((r) => setTimeout(r, 20));
        run ||= await runDir(out).catch(() => "");
      }
      await coord.stop("SIGKILL");
      assert(!(await exists(join(run, "summary.json"))), "the run had finished");
      const resumed = ["train", "--quiet", "--resume", run, "--cluster", server.url];
      assert.equal(await new Child(resumed).exit(), 0);
      assert.deepEqual(await runResults(out), await runResults(join(dir, "single")));
      const ids = jobsTaken(ws, KIND);
      assert.equal(new Set(ids).size, ids.length, "a job ran twice");
      assert.equal(ids.length, methods.length);
    });
  },
);
