/**
 * `train meta --cluster` on a real nats-server (loopback port, file store) with cpu worker
 * processes: every setting x seed x method is a job, and the run equals the single-process run
 * with the same seed (metrics, summary metrics and report, timing fields aside), also when a
 * worker is killed -9 mid-job (the job is redelivered to another worker).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { withTempDir } from "../_temp_dir.ts";
import { runResults } from "./_run_results.ts";
import { assertWorkerKillSurvived, assertWorkersEqualSingle } from "./_cluster_runs.ts";
import { Child, natsAvailable } from "../core/cluster/_cluster_harness.ts";

const ignore = !natsAvailable();
const opts = { ignore, sanitizeOps: false, sanitizeResources: false };
const TRAIN = ["train", "meta", "--scale", "smoke", "--backend", "cpu", "--quiet"];
const KIND = "meta_method";

Deno.test("cluster: meta with 3 workers equals the single-process run", opts, async () => {
  await withTempDir(async (dir) => {
    // One job per setting x seed x method.
    const jobs = async (run: string) => {
      const c = JSON.parse(await Deno.readTextFile(join(run, "config.json")));
      return c.settings.length * c.seeds * c.methods.length;
    };
    const args = [...TRAIN, "--seed", "7"];
    await assertWorkersEqualSingle(dir, { args, kind: KIND, jobs });
  });
});

Deno.test(
  "cluster: meta with a worker killed -9 mid-job -> the job is redelivered, the run identical",
  opts,
  async () => {
    await withTempDir(async (dir) => {
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
      assert.equal(await new Child([...args, "--out", join(dir, "single")]).exit(), 0);
      const expected = await runResults(join(dir, "single"));
      await assertWorkerKillSurvived(dir, { args, kind: KIND, runKey: "meta", expected });
    });
  },
);
