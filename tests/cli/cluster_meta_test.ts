/**
 * `train meta --cluster` on a real nats-server (loopback port, file store) with cpu worker
 * processes: every setting x seed x method is a job, and the run equals the single-process run
 * with the same seed (metrics, summary metrics and report, timing fields aside), also when a
 * worker is killed -9 mid-job (the job is redelivered to another worker).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { withTempDir } from "../_temp_dir.ts";
import { runDir, runResults } from "./_run_results.ts";
import { assertWorkerKillSurvived, jobsTaken, withWorkers } from "./_cluster_runs.ts";
import { Child, natsAvailable } from "../core/cluster/_cluster_harness.ts";

const ignore = !natsAvailable();
const opts = { ignore, sanitizeOps: false, sanitizeResources: false };
const TRAIN = ["train", "meta", "--scale", "smoke", "--backend", "cpu", "--quiet"];
const KIND = "meta_method";

async function train(args: string[]): Promise<number> {
  return await new Child([...TRAIN, ...args]).exit();
}

Deno.test("cluster: meta with 3 workers equals the single-process run", opts, async () => {
  await withTempDir(async (dir) => {
    const seed = ["--seed", "7"];
    assert.equal(await train([...seed, "--out", join(dir, "single")]), 0);
    await withWorkers(dir, 3, 30, async (server, ws) => {
      assert.equal(await train([...seed, "--out", join(dir, "n3"), "--cluster", server.url]), 0);
      assert.deepEqual(await runResults(join(dir, "n3")), await runResults(join(dir, "single")));
      // One job per setting x seed x method, spread over the workers.
      const config = join(await runDir(join(dir, "n3")), "config.json");
      const c = JSON.parse(await Deno.readTextFile(config));
      assert.equal(
        new Set(jobsTaken(ws, KIND)).size,
        c.settings.length * c.seeds * c.methods.length,
      );
      assert(ws.every((w) => jobsTaken([w], KIND).length > 0), "a worker got no job");
    });
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
