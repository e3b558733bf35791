/**
 * For protonet_threads_test.ts: starts the helpers of the default thread count
 * (METAFORGE_CPU_THREADS), runs one split ProtoNet pass, compares it with one thread, prints
 * "threaded ok, <n> helper" and returns, leaving the helper threads running (the process must exit).
 */
import {
  protonetGradThreaded,
  startCpuHelpers,
} from "../../../learners/meta_train/protonet_threads.ts";
import { PROTONET_STATS, protonetGradCpu } from "../../../learners/meta_train/protonet_cpu.ts";
import { METRIC_STRIDE } from "../../../learners/metrics_row.ts";
import { protonetProblem } from "./_protonet_problem.ts";

const { L, episodes, data, theta } = protonetProblem(5, {
  widths: [8, 12, 6],
  activation: "relu",
  episodes: 5,
  shots: 2,
  queries: 3,
});
const src = { episodes, data, ids: [4, 0, 3, 1, 2], idsOffset: 0 };
const outputs = () => ({
  grads: new Float32Array(5 * L.stride),
  metrics: new Float32Array(5 * METRIC_STRIDE),
  stats: new Float32Array(5 * PROTONET_STATS),
});
const helpers = await startCpuHelpers();
const want = outputs();
const got = outputs();
protonetGradCpu(L, theta, src, 5, want);
protonetGradThreaded(L, theta, src, 5, got, { minWork: 0 });
const same = want.grads.every((v, i) => Object.is(v, got.grads[i])) &&
  want.stats.every((v, i) => Object.is(v, got.stats[i]));
console.log(`threaded ${same ? "ok" : "differs"}, ${helpers} helper`);
