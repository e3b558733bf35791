/**
 * The helper thread of protonet_threads.ts: runs `protonetGradCpu` on the share of a meta-batch's
 * episodes it is sent (`ProtonetJob`, its samples gathered into shared buffers) and writes the rows
 * into the job's shared output arrays, then bumps the control word `DONE` to the job's number
 * and wakes the main thread (Atomics). An exception is reported through `FAILED` and the shared
 * message bytes, never left to kill the thread silently.
 * @module
 */
import { protonetGradCpu, type ProtonetSource } from "./protonet_cpu.ts";
import { withClassLists } from "../tasks/episode_classes.ts";
import type { EpisodeBatch } from "../tasks/task_family.ts";
import { type JobViews, jobViews, type ProtonetJob } from "./_protonet_job.ts";
import { serveHelperJobs } from "./helper_pool.ts";

/**
 * The episodes and samples of a job as a ProtonetSource over models 0..models-1 (copied out of the
 * shared arrays: the same values, in the ordinary arrays the twin's types ask for).
 */
function jobSource(job: ProtonetJob, v: JobViews): ProtonetSource {
  const { models, S, Q, ways, labelMapWidth, inputs, targetWidth } = job;
  const count = models * (S + Q);
  const x = v.x.slice();
  const y = v.y.slice();
  const dataset = { count, inputs, targetWidth, classes: labelMapWidth, x, y };
  const fields = {
    dataset,
    episodes: models,
    supportSize: S,
    querySize: Q,
    support: v.support.slice(),
    query: v.query.slice(),
    labelMapWidth: v.classes ? labelMapWidth : 0,
    ways,
  };
  const episodes: EpisodeBatch = v.classes ? withClassLists(fields, v.classes.slice()) : fields;
  return {
    episodes,
    data: dataset,
    ids: Uint32Array.from({ length: models }, (_, p) => p),
    idsOffset: 0,
  };
}

serveHelperJobs((job: ProtonetJob) => {
  const v = jobViews(job);
  protonetGradCpu(job.layout, v.theta.slice(), jobSource(job, v), job.models, v.out, job.dist);
});
