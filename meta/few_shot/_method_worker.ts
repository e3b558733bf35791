/**
 * A worker thread of local_methods.ts: creates a backend of the run's choice, then runs each method
 * job it is sent and replies with the job's value or error. Like the single-process run, it keeps
 * the seed x setting it last opened (data sets built, episode pools sampled and uploaded) for the
 * next job on the same one, and opens a new one (closing the old) when a job names another. Log
 * lines (the backend's description, data set progress) go to the main thread, which prints each
 * once.
 * @module
 */
import { parentPort, workerData } from "node:worker_threads";
import { type BackendChoice, createBackend } from "../../learners/create_backend.ts";
import type { MethodWorkerJob, MethodWorkerReply } from "./local_methods.ts";
import { runMethodOn } from "./method_jobs.ts";
import { closeSettingRun, openSettingRun, type SettingRun } from "./setting_run.ts";
import { buildSetting } from "./settings.ts";

const port = parentPort!;
const post = (m: MethodWorkerReply) => port.postMessage(m);
const log = (line: string) => post({ log: line });
const backend = createBackend((workerData as { backend: BackendChoice }).backend, log);
backend.then((b) => log(b.describe()), () => {});
/** The seed x setting open now, and its key (setting, seed and config). */
let open: { key: string; r: SettingRun } | null = null;

port.on("message", async ({ id, job }: MethodWorkerJob) => {
  try {
    const key = JSON.stringify([job.setting, job.seed, job.config]);
    if (open?.key !== key) {
      if (open) closeSettingRun(open.r);
      open = null;
      const s = await buildSetting(job.setting, job.config, log);
      open = { key, r: openSettingRun({ config: job.config }, await backend, s, job.seed) };
    }
    post({ id, ok: true, value: await runMethodOn(open.r, job.method) });
  } catch (e) {
    post({ id, ok: false, error: e instanceof Error ? e.message : String(e) });
  }
});
