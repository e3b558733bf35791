/**
 * The helper thread of train_threads.ts: runs `trainStepCpu` on the models of the job it is sent
 * (drawn from the job's shared counter, as the caller draws them), on views of the population's shared state and the shared data set, then stores the job's
 * number in the control word `DONE` and wakes the caller (Atomics). An exception is reported through
 * `FAILED` and the shared message bytes, never left to kill the thread silently.
 * @module
 */
import { trainStepCpu } from "../mlp/mlp_cpu.ts";
import type { MlpState } from "../mlp/mlp_state.ts";
import { serveHelperJobs } from "./helper_pool.ts";
import type { SHARED_FIELDS, TrainJob } from "./train_threads.ts";
import type { MlpData } from "../mlp/mlp_state.ts";
import type { MlpLayout } from "../mlp/mlp_layout.ts";

/** What the helper was sent so far (a job carries only what changed): views of the buffers. */
const held: {
  layout?: MlpLayout;
  state: Partial<Record<(typeof SHARED_FIELDS)[number], Float32Array | Uint32Array>>;
  data?: MlpData;
  grads?: Float32Array;
  next?: Int32Array;
} = { state: {} };

/** Takes in what job brings and returns the state it steps. */
function take(job: TrainJob): MlpState {
  if (job.layout) held.layout = job.layout;
  for (const [k, b] of Object.entries(job.state ?? {})) {
    const f = k as (typeof SHARED_FIELDS)[number];
    held.state[f] = f === "steps" || f === "batchIdx" || f === "labelMap"
      ? new Uint32Array(b)
      : new Float32Array(b);
  }
  const d = job.data;
  if (d) {
    const { count, inputs, targetWidth } = d;
    held.data = { x: new Float32Array(d.x), y: new Float32Array(d.y), count, inputs, targetWidth };
  }
  if (job.grads !== undefined) held.grads = job.grads ? new Float32Array(job.grads) : undefined;
  if (job.next) held.next = new Int32Array(job.next);
  const v = held.state as unknown as MlpState;
  return { ...v, numBatches: job.numBatches, labelMapWidth: job.labelMapWidth };
}

serveHelperJobs((job: TrainJob) => {
  const s = take(job);
  trainStepCpu(held.layout!, s, held.data!, held.grads, {
    from: job.from,
    to: job.to,
    next: held.next,
  });
});
