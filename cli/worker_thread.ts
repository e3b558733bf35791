/**
 * The job thread of `metaforge worker` (see core/cluster/job_thread.ts): creates the backend its
 * init message names and runs every job kind on it: evolve's scoring parts, meta's methods, l2o's
 * unroll tasks and the diagnostic kinds.
 * @module
 */
import { DIAGNOSTIC_HANDLERS } from "../core/cluster/diagnostic_jobs.ts";
import { serveJobThread } from "../core/cluster/job_thread.ts";
import { type BackendChoice, createBackend } from "../learners/create_backend.ts";
import { SCORE_PART_JOB, scorePartHandler } from "../meta/evolution/cluster_scoring.ts";
import { META_METHOD_JOB, methodJobHandler } from "../meta/few_shot/method_jobs.ts";
import { UNROLL_TASK_JOB, unrollTaskHandler } from "../meta/l2o/unroll_jobs.ts";

serveJobThread(async (init, log) => {
  const backend = await createBackend((init as { backend: BackendChoice }).backend, log);
  return {
    ready: `${backend.kind} backend`,
    handlers: {
      ...DIAGNOSTIC_HANDLERS,
      [SCORE_PART_JOB]: scorePartHandler(backend),
      [META_METHOD_JOB]: methodJobHandler(backend, log),
      [UNROLL_TASK_JOB]: unrollTaskHandler(backend),
    },
  };
});
