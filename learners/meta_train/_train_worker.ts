/**
 * The helper thread of train_threads.ts: runs `trainStepCpu` or `hvpStepCpu` on the models of the
 * job it is sent (drawn from the job's shared counter, as the caller draws them), on views of the
 * shared buffers it holds (a job carries only those that changed), then stores the job's number in
 * the control word `DONE` and wakes the caller (Atomics). An exception is reported through `FAILED`
 * and the shared message bytes, never left to kill the thread silently.
 * @module
 */
import { trainStepCpu } from "../mlp/mlp_cpu.ts";
import type { MlpData, MlpState } from "../mlp/mlp_state.ts";
import type { MlpLayout } from "../mlp/mlp_layout.ts";
import { serveHelperJobs } from "./helper_pool.ts";
import { hvpStepCpu } from "./maml_cpu.ts";
import { type BufferName, SHARED_FIELDS, type TrainJob } from "./_train_job.ts";

/** What the helper was sent so far (a job carries only what changed): views of the buffers. */
const held: { layout?: MlpLayout; views: Map<BufferName, Float32Array | Uint32Array | null> } = {
  views: new Map(),
};

/** The buffers that hold unsigned integers (the others f32; `next` is read as Int32). */
const U32 = new Set<BufferName>(["steps", "batchIdx", "labelMap", "batches", "hvpLabelMap"]);

function view<T extends Float32Array | Uint32Array>(k: BufferName): T {
  const v = held.views.get(k);
  if (!v) throw new Error(`train helper: no buffer ${k} was sent`);
  return v as T;
}

serveHelperJobs((job: TrainJob) => {
  if (job.layout) held.layout = job.layout;
  for (const [k, b] of Object.entries(job.buffers ?? {}) as [BufferName, SharedArrayBuffer][]) {
    held.views.set(k, b === null ? null : U32.has(k) ? new Uint32Array(b) : new Float32Array(b));
  }
  const d = job.data;
  const data = {
    x: view("x"),
    y: view("y"),
    count: d.count,
    inputs: d.inputs,
    targetWidth: d.targetWidth,
  };
  const next = new Int32Array(view<Float32Array>("next").buffer);
  const models = { from: job.from, to: job.to, next };
  if (job.kind === "hvp") {
    const t = {
      theta: view("theta"),
      v: view("v"),
      batches: view("batches"),
      labelMap: view("hvpLabelMap"),
    };
    hvpStepCpu(
      held.layout!,
      data as MlpData,
      t as Parameters<typeof hvpStepCpu>[2],
      job.tables!,
      models,
    );
    return;
  }
  const state = Object.fromEntries(SHARED_FIELDS.map((k) => [k, view(k)])) as unknown as MlpState;
  const grads = held.views.get("grads") as Float32Array | null | undefined;
  trainStepCpu(
    held.layout!,
    { ...state, numBatches: job.numBatches, labelMapWidth: job.labelMapWidth },
    data as MlpData,
    grads ?? undefined,
    models,
    job.steps ?? 1,
  );
});
