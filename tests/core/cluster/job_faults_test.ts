/**
 * Fault tests of the cluster job layer on a real nats-server (loopback port, file store, started
 * and stopped here) with worker processes: a worker killed mid-job, a job that always throws, a
 * worker of another job-schema version, and the server restarted mid-run. Jobs are the diagnostic
 * `wait` and `fail` kinds, so each test takes seconds.
 */
import assert from "node:assert/strict";
import { type Cluster, openCluster } from "../../../core/cluster/cluster_connection.ts";
import { type JobSpec, runJobs } from "../../../core/cluster/coordinator.ts";
import {
  encodeEnvelope,
  JOB_SCHEMA_VERSION,
  JOBS_SUBJECT,
} from "../../../core/cluster/job_protocol.ts";
import { withTempDir } from "../../_temp_dir.ts";
import { type Child, clusterTestOptions, NatsServer, startWorkers } from "./_cluster_harness.ts";

function waitJobs(n: number, ms: number): JobSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `j${i}`,
    kind: "wait",
    payload: { ms, value: i },
  }));
}

/** What a fault test gets: a coordinator connection, the workers and the server. */
type FaultBody = (c: Cluster, ws: Child[], s: NatsServer) => Promise<void>;

/**
 * A cluster test (clusterTestOptions) of `n` workers (ack wait `ackWait` s): `body` runs with a
 * coordinator connection to a fresh server; everything is closed and stopped after.
 */
function faultTest(name: string, n: number, body: FaultBody, ackWait = 2): void {
  Deno.test(name, clusterTestOptions(), () =>
    withTempDir(async (dir) => {
      const server = await NatsServer.start(dir);
      const ws = await startWorkers(server.url, n, { ackWait });
      let c: Cluster | undefined;
      try {
        c = await openCluster(server.url);
        await body(c, ws, server);
      } finally {
        await c?.nc.close();
        for (const w of ws) await w.stop("SIGKILL");
        await server.stop();
      }
    }));
}

faultTest(
  "cluster: a worker killed -9 mid-job -> the job is redelivered, results identical",
  3,
  async (c, ws) => {
    const run = runJobs(c, "kill", waitJobs(6, 1500));
    const line = await ws[0]!.waitFor(/job j\d+ \(wait\) delivery 1/);
    const killed = /job (j\d+)/.exec(line)![1]!;
    await ws[0]!.stop("SIGKILL");
    const { results } = await run;
    assert.deepEqual(results.map((r) => (r.value as { value: number }).value), [
      0,
      1,
      2,
      3,
      4,
      5,
    ]);
    const again = results.find((r) => r.id === killed)!;
    assert(again.ok && again.deliveries >= 2, `job ${killed}: ${JSON.stringify(again)}`);
    assert(again.worker !== "w0");
  },
);

faultTest(
  "cluster: a job computing longer than the ack wait without awaiting is heartbeated, not redelivered",
  2,
  async (c, ws) => {
    // One 5 s job, ack wait 2 s: the idle worker would get a redelivery without heartbeats.
    const jobs = [{ id: "s0", kind: "spin", payload: { ms: 5000 } }];
    const { results } = await runJobs(c, "spin", jobs);
    assert(results[0]!.ok && results[0]!.deliveries === 1, JSON.stringify(results));
    const taken = ws.flatMap((w) => w.lines.filter((l) => /job s0 \(spin\) delivery/.test(l)));
    assert.equal(taken.length, 1, taken.join("\n"));
  },
);

faultTest(
  "cluster: a job that always throws is retried up to max-deliver, then failed; the run goes on",
  3,
  async (c) => {
    const jobs = waitJobs(3, 50);
    jobs[1] = { id: "bad", kind: "fail", payload: { x: 1 } };
    const { results } = await runJobs(c, "throws", jobs);
    assert.deepEqual(results.map((r) => r.ok), [true, false, true]);
    assert.deepEqual(results[1]!.deliveries, 3);
    assert.match(results[1]!.error!, /diagnostic failure/);
  },
);

faultTest(
  "cluster: a worker refuses a job of another schema version with a message",
  1,
  async (c, ws) => {
    const job = { schema: 999, run: "v", id: "future", kind: "wait", payload: { ms: 1 } };
    await c.js.publish(`${JOBS_SUBJECT}.v`, encodeEnvelope(job));
    assert.deepEqual(await ws[0]!.exit(), 2);
    const msg = await ws[0]!.waitFor(/Refusing job future/);
    const speaks = `schema is version 999 but this worker speaks version ${JOB_SCHEMA_VERSION}`;
    assert(msg.includes(speaks), msg);
  },
);
faultTest(
  "cluster: the server restarted mid-run (file store) loses nothing",
  2,
  async (c, ws, server) => {
    const run = runJobs(c, "restart", waitJobs(8, 400));
    await ws[0]!.waitFor(/delivery 1/);
    await server.stop();
    await new Promise((r) => setTimeout(r, 300));
    await server.restart();
    const { results } = await run;
    assert.deepEqual(results.map((r) => (r.value as { value: number }).value), [
      0,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
    ]);
    assert(results.every((r) => r.ok));
  },
);

faultTest(
  "cluster: SIGTERM hands the job in hand back at once and the worker exits cleanly",
  2,
  async (c, ws) => {
    const run = runJobs(c, "sigterm", waitJobs(1, 3000));
    const re = /job j0 \(wait\) delivery 1/;
    const [a, b] = await Promise.any([0, 1].map((k) => ws[k]!.waitFor(re, 20_000).then(() => k)))
      .then((k) => [ws[k]!, ws[1 - k]!] as const);
    assert.equal(await a.stop("SIGTERM"), 0);
    // The ack wait is 60 s: a redelivery within 20 s comes from the nak.
    await b.waitFor(/job j0 \(wait\) delivery 2/, 20_000);
    const { results } = await run;
    assert(results[0]!.ok && results[0]!.deliveries === 2);
  },
  60,
);
