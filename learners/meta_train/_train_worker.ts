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
import type { TrainJob } from "./train_threads.ts";

/** The job's state as views of its shared buffers. */
function stateOf(job: TrainJob): MlpState {
  const f = (b: SharedArrayBuffer) => new Float32Array(b) as unknown as Float32Array<ArrayBuffer>;
  const u = (b: SharedArrayBuffer) => new Uint32Array(b) as unknown as Uint32Array<ArrayBuffer>;
  const s = job.state;
  return {
    params: f(s.params),
    opt: f(s.opt),
    steps: u(s.steps),
    metrics: f(s.metrics),
    knobs: f(s.knobs),
    batchIdx: u(s.batchIdx),
    numBatches: job.numBatches,
    labelMap: u(s.labelMap),
    labelMapWidth: job.labelMapWidth,
    learned: f(s.learned),
  };
}

serveHelperJobs((job: TrainJob) => {
  const d = job.data;
  const data = {
    x: new Float32Array(d.x),
    y: new Float32Array(d.y),
    count: d.count,
    inputs: d.inputs,
    targetWidth: d.targetWidth,
  };
  const grads = job.grads ? new Float32Array(job.grads) : undefined;
  const next = new Int32Array(job.next);
  trainStepCpu(job.layout, stateOf(job), data, grads, { from: job.from, to: job.to, next });
});
