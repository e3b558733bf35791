/**
 * `train evolve --cluster` on a real nats-server (loopback port, file store) with cpu worker
 * processes: the run equals the single-process run with the same seed (strategies.json, metrics,
 * summary metrics and report, timing fields aside), also when the coordinator is killed -9 and
 * resumed, which redoes no finished job.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runDir, runResults } from "./_run_results.ts";
import { Child, clusterTest, NatsServer, startWorkers } from "../core/cluster/_cluster_harness.ts";

const TRAIN = ["train", "evolve", "--scale", "smoke", "--backend", "cpu", "--seed", "7"];

/** The run's results with timing fields left out. */
function results(out: string): Promise<Record<string, string>> {
  return runResults(out, ["strategies.json"]);
}

async function train(args: string[]): Promise<number> {
  return await new Child([...TRAIN, "--quiet", ...args]).exit();
}

/** Job ids each worker ran, from their logs. */
function jobsRun(ws: Child[]): string[] {
  return ws.flatMap((w) =>
    w.lines.map((l) => /job (\w+) \(score_part\) delivery/.exec(l)?.[1]).filter((x) => x)
  ) as string[];
}

clusterTest(
  "cluster: evolve with 3 workers equals the single-process run; coordinator killed and resumed too",
  async (dir) => {
    assert.equal(await train(["--out", join(dir, "single")]), 0);
    const single = await results(join(dir, "single"));
    const server = await NatsServer.start(join(dir, "store"));
    let ws: Child[] = [];
    try {
      ws = await startWorkers(server.url, 3, { ackWait: 30 });
      assert.equal(await train(["--out", join(dir, "n3"), "--cluster", server.url]), 0);
      assert.deepEqual(await results(join(dir, "n3")), single);
      // A different seed (fresh jobs); the coordinator dies after the first scoring results.
      const seed = ["--seed", "8"];
      assert.equal(await train(["--out", join(dir, "single8"), ...seed]), 0);
      const before = jobsRun(ws).length;
      const coord = new Child([
        ...TRAIN,
        ...seed,
        "--out",
        join(dir, "c8"),
        "--cluster",
        server.url,
      ]);
      while (jobsRun(ws).length < before + 4) await new Promise((r) => setTimeout(r, 20));
      await coord.stop("SIGKILL");
      const resumed = ["--resume", await runDir(join(dir, "c8")), "--cluster", server.url];
      assert.equal(await new Child(["train", "--quiet", ...resumed]).exit(), 0);
      assert.deepEqual(await results(join(dir, "c8")), await results(join(dir, "single8")));
      const ids = jobsRun(ws);
      assert.equal(new Set(ids).size, ids.length, "a finished job ran again");
    } finally {
      for (const w of ws) await w.stop("SIGKILL");
      await server.stop();
    }
  },
);
