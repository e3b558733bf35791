/**
 * Cluster bench (`deno run -A bench/cluster.ts`): starts a nats-server with JetStream on a free
 * loopback port, then measures (1) scaling with fixed-wait jobs (a wait standing in for GPU time)
 * on 1, 2, 4 and 8 workers, and the per-job overhead with zero-wait jobs; (2) evolve's
 * meta-generation throughput with 1, 2 and 4 local cpu worker processes against the
 * single-process run (CPU-bound on this machine). Needs nats-server on PATH.
 * @module
 */
import { join } from "node:path";
import { type Cluster, openCluster } from "../core/cluster/cluster_connection.ts";
import { type JobSpec, runJobs } from "../core/cluster/coordinator.ts";
import { DIAGNOSTIC_HANDLERS } from "../core/cluster/diagnostic_jobs.ts";
import { runWorker } from "../core/cluster/worker_loop.ts";
import { startServer, startWorkers, stopWorkers } from "./_cluster_server.ts";

/** Seconds to run `jobs` wait jobs of `ms` on `n` in-process workers (own connections). */
async function timeWaitJobs(url: string, run: string, n: number, jobs: number, ms: number) {
  const stop = new AbortController();
  const workers: Cluster[] = [];
  for (let i = 0; i < n; i++) workers.push(await openCluster(url, { ackWaitSeconds: 30 }));
  const loops = workers.map((c, i) =>
    runWorker(c, { name: `b${i}`, handlers: DIAGNOSTIC_HANDLERS, signal: stop.signal })
  );
  const coord = await openCluster(url);
  const specs: JobSpec[] = Array.from({ length: jobs }, (_, i) => ({
    id: `j${i}`,
    kind: "wait",
    payload: { ms, value: i },
  }));
  const t0 = performance.now();
  await runJobs(coord, run, specs);
  const seconds = (performance.now() - t0) / 1000;
  stop.abort();
  await Promise.all(loops);
  for (const c of [...workers, coord]) await c.nc.close();
  return seconds;
}

async function scaling(url: string): Promise<void> {
  const [jobs, ms] = [48, 200];
  console.log(`fixed-wait jobs: ${jobs} jobs x ${ms} ms (ideal 1 worker: ${jobs * ms / 1000} s)`);
  let base = 0;
  for (const n of [1, 2, 4, 8]) {
    const s = await timeWaitJobs(url, `scale${n}`, n, jobs, ms);
    base ||= s;
    console.log(
      `  ${n} workers: ${s.toFixed(2)} s, ${(jobs / s).toFixed(1)} jobs/s, speed-up ${
        (base / s).toFixed(2)
      }x (ideal ${n}x)`,
    );
  }
  const zero = 400;
  for (const n of [1, 8]) {
    const s = await timeWaitJobs(url, `zero${n}`, n, zero, 0);
    console.log(
      `  overhead, ${zero} zero-wait jobs on ${n} workers: ${(s / zero * 1000).toFixed(2)} ms/job`,
    );
  }
}

/** Seconds per meta-generation of an evolve run; each run has its own seed, as results of
 * identical jobs (same content) in the results bucket would be reused. */
async function evolveRun(out: string, seed: number, cluster?: string): Promise<number> {
  const args = ["run", "-A", "cli/main.ts", "train", "evolve", "--scale", "smoke", "--quiet"];
  args.push("--seed", String(seed));
  args.push("--backend", "cpu", "--config", join(out, "..", "bench_config.json"), "--out", out);
  if (cluster) args.push("--cluster", cluster);
  const r = await new Deno.Command(Deno.execPath(), { args, stdout: "null" }).output();
  if (!r.success) throw new Error(new TextDecoder().decode(r.stderr));
  for await (const e of Deno.readDir(out)) {
    const s = JSON.parse(await Deno.readTextFile(join(out, e.name, "summary.json")));
    return s.metrics.seconds_per_meta_generation as number;
  }
  throw new Error(`no run in ${out}`);
}

async function metaThroughput(url: string, dir: string): Promise<void> {
  // The default scale's sizes, 3 meta-generations: 2 parts per scoring (the objective tasks
  // together, the neural task), so at most 2 workers are busy at a time.
  const config = {
    metaGenerations: 3,
    populationSize: 16,
    modelsPerSegment: 12,
    generations: 24,
    replicates: 2,
    seeds: 2,
  };
  await Deno.writeTextFile(join(dir, "bench_config.json"), JSON.stringify(config));
  console.log(`evolve ${JSON.stringify(config)}, cpu backend:`);
  const single = await evolveRun(join(dir, "single"), 100);
  console.log(`  single process: ${single.toFixed(3)} s/meta-generation`);
  for (const n of [1, 2, 4]) {
    const procs = await startWorkers(url, n, `m${n}`);
    const s = await evolveRun(join(dir, `w${n}`), 100 + n, url);
    console.log(`  ${n} workers: ${s.toFixed(3)} s/meta-generation (${(single / s).toFixed(2)}x)`);
    await stopWorkers(procs);
  }
}

if (import.meta.main) {
  const dir = await Deno.makeTempDir();
  const server = await startServer(join(dir, "store"));
  try {
    await scaling(server.url);
    await metaThroughput(server.url, dir);
  } finally {
    server.proc.kill("SIGTERM");
    await server.proc.status;
    await Deno.remove(dir, { recursive: true });
  }
}
