/**
 * `deno run -A bench/protonet_twin.ts [--rounds R]`: time of one call of the ProtoNet CPU twin
 * (`protonetGradCpu`, the fast path) against its readable specification (`protonetGradSpecCpu`)
 * on the meta-batches the engine trains (16 episodes, cosine at scale 5 on the linear embedding),
 * alternating the two in one process; prints the medians, their ratio, the rate of the fast path
 * in multiply-adds of the MLP passes, and the largest difference of the outputs. A second line
 * per shape times the fast path split over `--threads` threads (`protonetGradThreaded`, default 2,
 * every size split) against one thread, wall and process CPU time, and checks that the outputs are
 * the same bit for bit.
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { Rng } from "../core/rng.ts";
import { mlpLayout } from "../learners/mlp/mlp_layout.ts";
import {
  embedLayer,
  protonetGradCpu,
  protonetGradSpecCpu,
  type ProtonetOut,
  type ProtonetSource,
} from "../learners/meta_train/protonet_cpu.ts";
import type { ProtonetDistance } from "../learners/meta_train/protonet_distance.ts";
import {
  protonetGradThreaded,
  protonetWork,
  startCpuHelpers,
} from "../learners/meta_train/protonet_threads.ts";
import { protonetCase, protonetOutputs } from "../tests/learners/meta_train/_protonet_problem.ts";

/** One benchmarked shape: the network and the episodes of one meta-batch. */
interface Shape {
  name: string;
  widths: number[];
  ways: number;
  shots: number;
  queries: number;
  episodes: number;
}

const SHAPES: Shape[] = [
  {
    name: "synthetic 16-64-64-16-5, 20-way 10+6",
    widths: [16, 64, 64, 16, 5],
    ways: 20,
    shots: 10,
    queries: 6,
    episodes: 16,
  },
  {
    name: "glyphs 196-64-64-5, 5-way 1+1",
    widths: [196, 64, 64, 5],
    ways: 5,
    shots: 1,
    queries: 1,
    episodes: 16,
  },
  {
    name: "synthetic 16-64-64-16-5, 5-way 1+1 (the test episodes)",
    widths: [16, 64, 64, 16, 5],
    ways: 5,
    shots: 1,
    queries: 1,
    episodes: 16,
  },
  {
    name: "glyphs 196-64-64-5, 5-way 1+1, meta-batch 4",
    widths: [196, 64, 64, 5],
    ways: 5,
    shots: 1,
    queries: 1,
    episodes: 4,
  },
  {
    name: "glyphs 196-64-64-5, 20-way 1+1",
    widths: [196, 64, 64, 5],
    ways: 20,
    shots: 1,
    queries: 1,
    episodes: 16,
  },
];

const DIST: ProtonetDistance = { kind: "cosine", scale: 5, embedding: "linear" };

/** A seeded meta-batch of `s`: normal inputs around class centres, class lists of distinct classes. */
function problem(s: Shape, seed: number) {
  const rng = new Rng(seed);
  const L = mlpLayout({ size: 1, widths: s.widths, batchSize: 4 });
  const perClass = (s.shots + s.queries) * 4;
  const o = { extra: s.ways, perClass, noise: 1, episodes: s.episodes, thetaScale: 0.2 };
  const { dataset, episodes, theta } = protonetCase(rng, L, { ...s, labels: "lists" }, o);
  const ids = Uint32Array.from({ length: s.episodes }, (_, e) => e);
  const src: ProtonetSource = { episodes, data: dataset, ids, idsOffset: 0 };
  return { L, theta, src };
}

/** Largest |a - b| / (1e-6 + |b|) over two output sets. */
function maxDiff(a: ProtonetOut, b: ProtonetOut): number {
  let m = 0;
  for (const k of ["grads", "metrics", "stats"] as const) {
    for (let i = 0; i < a[k].length; i++) {
      m = Math.max(m, Math.abs(a[k][i]! - b[k][i]!) / (1e-6 + Math.abs(b[k][i]!)));
    }
  }
  return m;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

const { values } = parseArgs({
  args: Deno.args,
  options: { rounds: { type: "string" }, threads: { type: "string" } },
});
const rounds = Number(values.rounds ?? 7);
const threads = Number(values.threads ?? 2);
for (const s of SHAPES) {
  const { L, theta, src } = problem(s, 3);
  const P = s.episodes;
  const n = s.ways * (s.shots + s.queries);
  let macs = 0;
  for (let l = 0; l <= embedLayer(L); l++) macs += L.widths[l]! * L.widths[l + 1]!;
  // Forward, weight gradient and (above layer 0) input gradient.
  const E = embedLayer(L);
  const back = macs + macs - L.widths[0]! * L.widths[1]!;
  const perCall = P * n * (macs + back);
  const spec = protonetOutputs(P, L.stride);
  const fast = protonetOutputs(P, L.stride);
  const wall = { spec: [] as number[], fast: [] as number[] };
  const cpu = { spec: [] as number[], fast: [] as number[] };
  const timed = (to: "spec" | "fast", run: () => void) => {
    const t = performance.now();
    const c = process.cpuUsage().user;
    run();
    cpu[to].push((process.cpuUsage().user - c) / 1000);
    wall[to].push(performance.now() - t);
  };
  for (let r = 0; r < rounds; r++) {
    timed("spec", () => protonetGradSpecCpu(L, theta, src, P, spec, DIST));
    timed("fast", () => protonetGradCpu(L, theta, src, P, fast, DIST));
  }
  const ms = { spec: median(wall.spec), fast: median(wall.fast) };
  const cs = { spec: median(cpu.spec), fast: median(cpu.fast) };
  console.log(
    `${s.name}, ${P} episodes (embedding layer ${E}): wall spec ${ms.spec.toFixed(1)} ms, fast ${
      ms.fast.toFixed(1)
    } ms, x${(ms.spec / ms.fast).toFixed(2)}; user CPU spec ${cs.spec.toFixed(1)} ms, fast ${
      cs.fast.toFixed(1)
    } ms, x${(cs.spec / cs.fast).toFixed(2)}, fast ${
      (perCall / cs.fast / 1e6).toFixed(2)
    } GMAC/s; max rel diff ${maxDiff(fast, spec).toExponential(2)}`,
  );

  const par = protonetOutputs(P, L.stride);
  const tw = { one: [] as number[], par: [] as number[] };
  const tc = { one: [] as number[], par: [] as number[] };
  const both = (to: "one" | "par", run: () => void) => {
    const t = performance.now();
    const c = process.cpuUsage();
    run();
    const d = process.cpuUsage(c);
    tc[to].push((d.user + d.system) / 1000);
    tw[to].push(performance.now() - t);
  };
  // The helpers up before timing.
  await startCpuHelpers({ threads });
  for (let r = 0; r < rounds; r++) {
    both("one", () => protonetGradCpu(L, theta, src, P, fast, DIST));
    both(
      "par",
      () => protonetGradThreaded(L, theta, src, P, par, { dist: DIST, threads, minWork: 0 }),
    );
  }
  const same = (["grads", "metrics", "stats"] as const).every((k) =>
    par[k].every((v, i) => Object.is(v, fast[k][i]))
  );
  const w1 = median(tw.one);
  const wp = median(tw.par);
  console.log(
    `  ${threads} threads (work ${(protonetWork(L, src, P) / 1e6).toFixed(1)}M): wall one ${
      w1.toFixed(1)
    } ms, threaded ${wp.toFixed(1)} ms, x${(w1 / wp).toFixed(2)}; process CPU one ${
      median(tc.one).toFixed(1)
    } ms, threaded ${median(tc.par).toFixed(1)} ms; bit-identical ${same}`,
  );
}
