/**
 * `train meta --cluster` on a real nats-server (loopback port, file store) with cpu worker
 * processes: every setting x seed x method is a job, and the run equals the single-process run
 * with the same seed (metrics, summary metrics and report, timing fields aside), also when a
 * worker is killed -9 mid-job (the job is redelivered to another worker).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { openCluster } from "../../core/cluster/cluster_connection.ts";
import { decodeEnvelope, type JobResult, resultKey } from "../../core/cluster/job_protocol.ts";
import { withTempDir } from "../_temp_dir.ts";
import { runDir, runResults } from "./_run_results.ts";
import {
  Child,
  natsAvailable,
  NatsServer,
  startWorkers,
} from "../core/cluster/_cluster_harness.ts";

const ignore = !natsAvailable();
const opts = { ignore, sanitizeOps: false, sanitizeResources: false };
const TRAIN = ["train", "meta", "--scale", "smoke", "--backend", "cpu", "--quiet"];

async function train(args: string[]): Promise<number> {
  return await new Child([...TRAIN, ...args]).exit();
}

/** Job ids each worker took (first deliveries and redeliveries), from their logs. */
function jobsTaken(ws: Child[]): string[] {
  return ws.flatMap((w) =>
    w.lines.map((l) => /job (\w+) \(meta_method\) delivery/.exec(l)?.[1]).filter((x) => x)
  ) as string[];
}

Deno.test("cluster: meta with 3 workers equals the single-process run", opts, async () => {
  await withTempDir(async (dir) => {
    const seed = ["--seed", "7"];
    assert.equal(await train([...seed, "--out", join(dir, "single")]), 0);
    const server = await NatsServer.start(join(dir, "store"));
    let ws: Child[] = [];
    try {
      ws = await startWorkers(server.url, 3, { ackWait: 30 });
      assert.equal(await train([...seed, "--out", join(dir, "n3"), "--cluster", server.url]), 0);
      assert.deepEqual(await runResults(join(dir, "n3")), await runResults(join(dir, "single")));
      // One job per setting x seed x method, spread over the workers.
      const c = JSON.parse(
        await Deno.readTextFile(join(await runDir(join(dir, "n3")), "config.json")),
      );
      assert.equal(new Set(jobsTaken(ws)).size, c.settings.length * c.seeds * c.methods.length);
      assert(ws.every((w) => jobsTaken([w]).length > 0), "a worker got no job");
    } finally {
      for (const w of ws) await w.stop("SIGKILL");
      await server.stop();
    }
  });
});

Deno.test(
  "cluster: meta with a worker killed -9 mid-job -> the job is redelivered, the run identical",
  opts,
  async () => {
    await withTempDir(async (dir) => {
      // Jobs of a few seconds each, so the worker is killed while it runs one.
      const config = join(dir, "meta.json");
      await Deno.writeTextFile(
        config,
        JSON.stringify({
          settings: ["synthetic-1shot"],
          methods: ["reptile", "fomaml", "self-improving"],
          metaIterations: 3000,
        }),
      );
      const args = ["--seed", "5", "--config", config];
      assert.equal(await train([...args, "--out", join(dir, "single")]), 0);
      const server = await NatsServer.start(join(dir, "store"));
      let ws: Child[] = [];
      try {
        ws = await startWorkers(server.url, 3, { ackWait: 3 });
        const coord = new Child([
          ...TRAIN,
          ...args,
          "--out",
          join(dir, "killed"),
          "--cluster",
          server.url,
        ]);
        while (jobsTaken(ws).length === 0) await new Promise((r) => setTimeout(r, 10));
        const vi = ws.findIndex((w) => jobsTaken([w]).length > 0);
        const victim = ws[vi]!;
        const killed = jobsTaken([victim])[0]!;
        await victim.stop("SIGKILL");
        assert.equal(await coord.exit(), 0);
        assert.deepEqual(
          await runResults(join(dir, "killed")),
          await runResults(join(dir, "single")),
        );
        const c = await openCluster(server.url);
        const entry = await c.results.get(resultKey("meta", killed));
        await c.nc.close();
        const r = decodeEnvelope<JobResult>(entry!.value);
        assert(r.ok && r.deliveries >= 2, `job ${killed}: ${JSON.stringify(r).slice(0, 200)}`);
        assert.notEqual(r.worker, `w${vi}`); // startWorkers names them w0, w1, ...
      } finally {
        for (const w of ws) await w.stop("SIGKILL");
        await server.stop();
      }
    });
  },
);
