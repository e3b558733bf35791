/**
 * A worker thread of local_methods.ts: creates a backend of the run's choice, then runs each method
 * job it is sent (`runMethodJob`, a fresh seed x setting per job; a setting's data built once per
 * worker) and replies with the job's value or error. Log lines (the backend's description, data
 * set progress) go to the main thread, which prints each once.
 * @module
 */
import { parentPort, workerData } from "node:worker_threads";
import { type BackendChoice, createBackend } from "../../learners/create_backend.ts";
import type { MethodWorkerJob, MethodWorkerReply } from "./local_methods.ts";
import { runMethodJob } from "./method_jobs.ts";
import { buildSetting, type Setting } from "./settings.ts";

const port = parentPort!;
const post = (m: MethodWorkerReply) => port.postMessage(m);
const log = (line: string) => post({ log: line });
const backend = createBackend((workerData as { backend: BackendChoice }).backend, log);
backend.then((b) => log(b.describe()), () => {});
/** Settings built so far, by setting and config (one run's jobs share the config). */
const settings = new Map<string, Promise<Setting>>();

port.on("message", async ({ id, job }: MethodWorkerJob) => {
  try {
    const key = JSON.stringify([job.setting, job.config]);
    if (!settings.has(key)) settings.set(key, buildSetting(job.setting, job.config, log));
    const value = await runMethodJob(await backend, job, log, () => settings.get(key)!);
    post({ id, ok: true, value });
  } catch (e) {
    post({ id, ok: false, error: e instanceof Error ? e.message : String(e) });
  }
});
