/**
 * `metaforge worker --cluster nats://HOST:PORT`: a cluster worker that pulls jobs, runs them on its
 * own backend, writes their results and acks them; SIGINT/SIGTERM nak the job in hand (another
 * worker gets it) and exit. Also `--cluster` on `train`/`evolve`/`l2o`: the independent units of
 * evolve (scoring runs), meta (setting x seed x method) and l2o (one task of an ES or REINFORCE
 * generation) are sent to the workers as jobs.
 * @module
 */
import { parseArgs } from "node:util";
import { type Cluster, openCluster } from "../core/cluster/cluster_connection.ts";
import { DIAGNOSTIC_HANDLERS } from "../core/cluster/diagnostic_jobs.ts";
import { runWorker } from "../core/cluster/worker_loop.ts";
import { InputError } from "../core/input_error.ts";
import { JobThread, ThreadSetupError } from "../core/cluster/job_thread.ts";
import { clusterPartRunner, SCORE_PART_JOB } from "../meta/evolution/cluster_scoring.ts";
import { setPartRunner } from "../meta/evolution/score_genomes.ts";
import {
  clusterMethodRunner,
  META_METHOD_JOB,
  setMethodRunner,
} from "../meta/few_shot/method_jobs.ts";
import { setUnrollRunner } from "../meta/learned_optimizer_unroll.ts";
import { clusterUnrollRunner, UNROLL_TASK_JOB } from "../meta/l2o/unroll_jobs.ts";

const WORKER_HELP = `Usage: metaforge worker --cluster nats://HOST:PORT [options]

Pulls jobs of a cluster run (train --cluster) one at a time, runs them on this machine's backend,
writes their results and acks them. SIGINT/SIGTERM: the job in hand is handed back and the worker
exits.

Options:
  --cluster URL      the NATS server (JetStream enabled), nats://HOST:PORT (required)
  --backend B        gpu | cpu | auto (default auto)
  --name NAME        worker name written into results (default: host name and process id)
  --ack-wait S       seconds without a heartbeat before a job is redelivered (default 30; set by
                     the first worker or coordinator that creates the queue)
  --max-deliver N    deliveries before a job is reported failed (default 5; same rule)
  -h, --help         this help`;

function positiveInt(flag: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    throw new InputError(`Invalid --${flag}: must be a positive integer: current value is ${v}`);
  }
  return n;
}

/** Runs the worker command; returns the exit code. */
export async function workerCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      cluster: { type: "string" },
      backend: { type: "string", default: "auto" },
      name: { type: "string" },
      "ack-wait": { type: "string" },
      "max-deliver": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(WORKER_HELP);
    return 0;
  }
  if (values.cluster === undefined) throw new InputError("Missing --cluster nats://HOST:PORT");
  if (!["auto", "gpu", "cpu"].includes(values.backend)) {
    throw new InputError(
      `Invalid --backend: must be gpu, cpu or auto: current value is ${values.backend}`,
    );
  }
  const name = values.name ?? `${Deno.hostname()}-${Deno.pid}`;
  const queue = {
    ackWaitSeconds: positiveInt("ack-wait", values["ack-wait"], 30),
    maxDeliver: positiveInt("max-deliver", values["max-deliver"], 5),
  };
  const log = (l: string) => console.error(`worker ${name}: ${l}`);
  // The engine's jobs run in a thread: this event loop stays free for their heartbeats.
  const thread = new JobThread(new URL("./worker_thread.ts", import.meta.url), {
    backend: values.backend,
  }, log);
  const on = await thread.ready().catch((e) => {
    thread.terminate();
    throw e instanceof ThreadSetupError
      ? new InputError(`Cannot start the worker: ${e.message}`)
      : e;
  });
  const cluster = await openCluster(values.cluster, { ...queue, name });
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  for (const s of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(s, onSignal);
  log(`ready (${on}, ${values.cluster})`);
  const kinds = [
    ...Object.keys(DIAGNOSTIC_HANDLERS),
    SCORE_PART_JOB,
    META_METHOD_JOB,
    UNROLL_TASK_JOB,
  ];
  const handlers = Object.fromEntries(kinds.map((k) => [k, thread.handler()]));
  const out = await runWorker(cluster, { name, handlers, signal: stop.signal, log });
  thread.terminate();
  await closeCluster(cluster);
  for (const s of ["SIGINT", "SIGTERM"] as const) Deno.removeSignalListener(s, onSignal);
  log(`stopped after ${out.done} jobs`);
  if (out.refused) throw new InputError(out.refused);
  return 0;
}

async function closeCluster(c: Cluster): Promise<void> {
  await c.nc.flush();
  await c.nc.close();
}

/**
 * Runs `run(args)` with `--cluster URL` taken out of `args`: when given, the units of evolve, meta
 * and l2o go to the cluster's workers for the duration of the command.
 */
export async function withCluster(
  args: string[],
  run: (args: string[]) => Promise<number>,
): Promise<number> {
  const at = args.findIndex((a) => a === "--cluster" || a.startsWith("--cluster="));
  if (at < 0) return await run(args);
  const eq = args[at]!.indexOf("=");
  const url = eq >= 0 ? args[at]!.slice(eq + 1) : args[at + 1];
  if (url === undefined) {
    throw new InputError("Missing value of --cluster: must be nats://HOST:PORT");
  }
  const rest = args.filter((_, i) => i !== at && (eq >= 0 || i !== at + 1));
  const cluster = await openCluster(url, { name: `coordinator-${Deno.pid}` });
  setPartRunner(clusterPartRunner(cluster, "evolve"));
  setMethodRunner(clusterMethodRunner(cluster, "meta"));
  setUnrollRunner(clusterUnrollRunner(cluster, "l2o"));
  try {
    return await run(rest);
  } finally {
    setPartRunner(undefined);
    setMethodRunner(undefined);
    setUnrollRunner(undefined);
    await closeCluster(cluster);
  }
}
