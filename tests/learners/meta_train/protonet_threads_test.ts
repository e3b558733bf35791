/**
 * `protonetGradThreaded` (the ProtoNet twin's episodes split between the calling thread and
 * helper threads) against `protonetGradCpu` on one thread: the same outputs bit for bit, for 2 and
 * 3 threads, model counts not divisible by the thread count, class lists, dense label maps and
 * labels as stored; and a process whose helpers are running exits by itself.
 */
import assert from "node:assert/strict";
import { Rng } from "../../../core/rng.ts";
import { METRIC_STRIDE } from "../../../learners/metrics_row.ts";
import { mlpLayout } from "../../../learners/mlp/mlp_layout.ts";
import {
  PROTONET_STATS,
  protonetGradCpu,
  type ProtonetOut,
  type ProtonetSource,
} from "../../../learners/meta_train/protonet_cpu.ts";
import {
  PROTONET_THREAD_MIN_WORK,
  protonetGradThreaded,
  protonetWork,
  startCpuHelpers,
} from "../../../learners/meta_train/protonet_threads.ts";
import type { ProtonetDistance } from "../../../learners/meta_train/protonet_distance.ts";
import { type ProtonetCase, protonetCase, protonetOutputs } from "./_protonet_problem.ts";

interface Case extends ProtonetCase {
  dist: ProtonetDistance;
}

/** A seeded pool of 9 episodes; the models read episodes ids[2..] (repeats included). */
function problem(seed: number, c: Case) {
  const rng = new Rng(seed);
  const L = mlpLayout({ size: 1, widths: c.widths, batchSize: 4, activation: c.activation });
  const o = { extra: 4, perClass: 7, noise: 0.8, episodes: 9, thetaScale: 0.6 };
  const { dataset, episodes, theta } = protonetCase(rng, L, c, o);
  const ids = Uint32Array.from({ length: 2 + 16 }, () => rng.int(9));
  const src: ProtonetSource = { episodes, data: dataset, ids, idsOffset: 2 };
  return { L, theta, src };
}

/** Index of the first entry that differs (Object.is: -0 and NaN too), or -1. */
function firstDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  return a.findIndex((v, i) => !Object.is(v, b[i]));
}

const CASES: Case[] = [
  {
    widths: [16, 64, 64, 16, 5],
    activation: "relu",
    ways: 6,
    shots: 3,
    queries: 2,
    labels: "lists",
    dist: { kind: "cosine", scale: 5, embedding: "linear" },
  },
  {
    widths: [9, 13, 6],
    activation: "tanh",
    ways: 4,
    shots: 2,
    queries: 3,
    labels: "dense",
    dist: { kind: "euclidean", scale: 0.7 },
  },
  {
    widths: [11, 17, 10, 3],
    activation: "relu",
    ways: 3,
    shots: 1,
    queries: 1,
    labels: "stored",
    dist: { kind: "dot", scale: 0.3 },
  },
];

for (const [ci, c] of CASES.entries()) {
  Deno.test(
    `protonetGradThreaded matches protonetGradCpu bit for bit (${
      c.widths.join("-")
    }, ${c.ways}-way ${c.shots}+${c.queries}, ${c.labels} labels, 2 and 3 threads)`,
    async () => {
      // 2 helpers up, so that the splits below run on them (the twin would run on one thread
      // while they load).
      assert.equal(await startCpuHelpers({ threads: 3 }), 2);
      const { L, theta, src } = problem(ci + 1, c);
      for (const models of [3, 5, 16]) {
        const want = protonetOutputs(models, L.stride, 7);
        protonetGradCpu(L, theta, src, models, want, c.dist);
        assert.ok(want.grads.some((g, i) => i % L.stride < L.paramCount && g !== 0 && g !== 7));
        for (const threads of [2, 3]) {
          const got = protonetOutputs(models, L.stride, 7);
          protonetGradThreaded(L, theta, src, models, got, { dist: c.dist, threads, minWork: 0 });
          for (const k of ["grads", "metrics", "stats"] as const) {
            assert.equal(
              firstDiff(got[k], want[k]),
              -1,
              `${k}, ${models} models, ${threads} threads`,
            );
          }
        }
      }
    },
  );
}

Deno.test("protonetGradThreaded writes only the rows of its models", async () => {
  assert.equal(await startCpuHelpers({ threads: 2 }), 1);
  const { L, theta, src } = problem(7, CASES[1]!);
  const want = protonetOutputs(6, L.stride, 7);
  const got = protonetOutputs(6, L.stride, 7);
  const sub = (o: ProtonetOut, p: number) => ({
    grads: o.grads.subarray(p * L.stride),
    metrics: o.metrics.subarray(p * METRIC_STRIDE),
    stats: o.stats.subarray(p * PROTONET_STATS),
  });
  // Models 1..4 only: row 0 and row 5 keep their padding value and zero metrics.
  protonetGradCpu(L, theta, src, 4, sub(want, 1), CASES[1]!.dist);
  protonetGradThreaded(L, theta, src, 4, sub(got, 1), {
    dist: CASES[1]!.dist,
    minWork: 0,
    threads: 2,
  });
  for (const k of ["grads", "metrics", "stats"] as const) {
    assert.equal(firstDiff(got[k], want[k]), -1, k);
  }
  assert.ok(got.grads.subarray(5 * L.stride).every((v) => v === 7));
});

Deno.test("protonetWork counts samples x multiply-adds up to the embedding layer", () => {
  const L = mlpLayout({ size: 1, widths: [16, 64, 64, 16, 5], batchSize: 4 });
  const src = { episodes: { supportSize: 200, querySize: 120 } } as ProtonetSource;
  // 16 episodes of 320 samples x (16*64 + 64*64 + 64*16) multiply-adds: split by default.
  assert.equal(protonetWork(L, src, 16), 16 * 320 * 6144);
  assert.ok(protonetWork(L, src, 16) >= PROTONET_THREAD_MIN_WORK);
  const tiny = { episodes: { supportSize: 6, querySize: 3 } } as ProtonetSource;
  const small = mlpLayout({ size: 1, widths: [9, 13, 6], batchSize: 4 });
  assert.ok(protonetWork(small, tiny, 5) < PROTONET_THREAD_MIN_WORK);
});

/** Runs tests/learners/meta_train/_protonet_threads_exit.ts with `env`; kills it after 60 s. */
async function runExitScript(env: Record<string, string>) {
  const script = new URL("./_protonet_threads_exit.ts", import.meta.url);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script.pathname],
    env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const t0 = performance.now();
  const out = await child.output();
  clearTimeout(timer);
  const text = new TextDecoder();
  return {
    code: out.code,
    seconds: (performance.now() - t0) / 1000,
    stdout: text.decode(out.stdout),
    stderr: text.decode(out.stderr),
  };
}

Deno.test("a process whose ProtoNet helper threads are started exits by itself", async () => {
  const r = await runExitScript({ METAFORGE_CPU_THREADS: "2" });
  assert.equal(r.code, 0, r.stderr);
  // The script ran a split pass on 1 helper and returned; the exit takes no wait for the helper.
  assert.match(r.stdout, /^threaded ok, 1 helper$/m);
  assert.ok(r.seconds < 30, `exited after ${r.seconds} s`);
});

Deno.test("METAFORGE_CPU_THREADS other than an integer in [1, 16] is an InputError", async () => {
  const r = await runExitScript({ METAFORGE_CPU_THREADS: "0" });
  assert.notEqual(r.code, 0);
  assert.match(
    r.stderr,
    /Invalid METAFORGE_CPU_THREADS: must be an integer in \[1, 16\]: current value is "0"/,
  );
});
