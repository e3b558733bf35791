/**
 * The scenario the experiment cluster tests share: a `train --cluster` run on a nats-server with
 * worker processes, one worker killed -9 while it holds a job; the run must end as the
 * single-process run did, with the killed job redelivered to another worker.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { openCluster } from "../../core/cluster/cluster_connection.ts";
import { decodeEnvelope, type JobResult, resultKey } from "../../core/cluster/job_protocol.ts";
import { Child, NatsServer, startWorkers } from "../core/cluster/_cluster_harness.ts";
import { runDir, runResults, summaryBackend } from "./_run_results.ts";

/** Job ids of `kind` each worker took (first deliveries and redeliveries), from their logs. */
export function jobsTaken(ws: Child[], kind: string): string[] {
  const re = new RegExp(`job (\\w+) \\(${kind}\\) delivery`);
  return ws.flatMap((w) => w.lines.map((l) => re.exec(l)?.[1]).filter((x) => x)) as string[];
}

/** Runs `body` with a nats-server (store under `dir`) and `n` cpu workers; stops them after. */
export async function withWorkers(
  dir: string,
  n: number,
  ackWait: number,
  body: (server: NatsServer, ws: Child[]) => Promise<void>,
): Promise<void> {
  const server = await NatsServer.start(join(dir, "store"));
  let ws: Child[] = [];
  try {
    ws = await startWorkers(server.url, n, { ackWait });
    await body(server, ws);
  } finally {
    for (const w of ws) await w.stop("SIGKILL");
    await server.stop();
  }
}

/**
 * Runs `train ...args` in one process and on 3 workers; asserts both end with the same results
 * (see runResults, with `extra` files), and that the workers took `jobs(run folder)` distinct jobs
 * of `kind`, each worker some.
 */
export async function assertWorkersEqualSingle(
  dir: string,
  o: { args: string[]; kind: string; extra?: string[]; jobs: (runDir: string) => Promise<number> },
): Promise<void> {
  const single = join(dir, "single");
  assert.equal(await new Child([...o.args, "--out", single]).exit(), 0);
  await withWorkers(dir, 3, 30, async (server, ws) => {
    const n3 = join(dir, "n3");
    assert.equal(await new Child([...o.args, "--out", n3, "--cluster", server.url]).exit(), 0);
    assert.deepEqual(await runResults(n3, o.extra), await runResults(single, o.extra));
    // The results are equal; where they were computed is not, and the summaries say so.
    assert.match(await summaryBackend(n3), /cluster/);
    assert.doesNotMatch(await summaryBackend(single), /cluster/);
    assert.equal(new Set(jobsTaken(ws, o.kind)).size, await o.jobs(await runDir(n3)));
    assert(ws.every((w) => jobsTaken([w], o.kind).length > 0), "a worker got no job");
  });
}

/**
 * Runs `train ...args` in one process, then with `--cluster` and 3 workers (ack wait 3 s), kills -9
 * the first worker to take a job of `kind` while it runs it, and checks that the run ends with the
 * single-process results (see runResults, with `extra` files) and that the job's result came from
 * another worker on a later delivery.
 */
export async function assertWorkerKillSurvived(
  dir: string,
  o: {
    args: string[];
    kind: string;
    runKey: string;
    extra?: string[];
  },
): Promise<void> {
  const single = join(dir, "single");
  assert.equal(await new Child([...o.args, "--out", single]).exit(), 0);
  const expected = await runResults(single, o.extra);
  await withWorkers(dir, 3, 3, async (server, ws) => {
    const out = join(dir, "killed");
    const coord = new Child([...o.args, "--out", out, "--cluster", server.url]);
    while (jobsTaken(ws, o.kind).length === 0) await new Promise((r) => setTimeout(r, 10));
    const vi = ws.findIndex((w) => jobsTaken([w], o.kind).length > 0);
    await ws[vi]!.stop("SIGKILL");
    const killed = jobsTaken([ws[vi]!], o.kind).at(-1)!;
    assert.equal(await coord.exit(), 0, coord.lines.join("\n"));
    assert.deepEqual(await runResults(out, o.extra), expected);
    const c = await openCluster(server.url);
    const entry = await c.results.get(resultKey(o.runKey, killed));
    await c.nc.close();
    const r = decodeEnvelope<JobResult>(entry!.value);
    assert(r.ok && r.deliveries >= 2, `job ${killed}: ${JSON.stringify(r).slice(0, 200)}`);
    assert.notEqual(r.worker, `w${vi}`); // startWorkers names them w0, w1, ...
  });
}
