/**
 * `deno run -A bench/protonet_twin.ts [--rounds R]`: time of one call of the ProtoNet CPU twin
 * (`protonetGradCpu`, the fast path) against its readable specification (`protonetGradSpecCpu`)
 * on the meta-batches the engine trains (16 episodes, cosine at scale 5 on the linear embedding),
 * alternating the two in one process; prints the medians, their ratio, the rate of the fast path
 * in multiply-adds of the MLP passes, and the largest difference of the outputs.
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { Rng } from "../core/rng.ts";
import { METRIC_STRIDE } from "../learners/metrics_row.ts";
import { mlpLayout } from "../learners/mlp/mlp_layout.ts";
import {
  embedLayer,
  PROTONET_STATS,
  protonetGradCpu,
  protonetGradSpecCpu,
  type ProtonetOut,
  type ProtonetSource,
} from "../learners/meta_train/protonet_cpu.ts";
import type { ProtonetDistance } from "../learners/meta_train/protonet_distance.ts";
import { withClassLists } from "../learners/tasks/episode_classes.ts";

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
  const C = 2 * s.ways;
  const inputs = s.widths[0]!;
  const count = C * (s.shots + s.queries) * 4;
  const centres = Array.from({ length: C * inputs }, () => rng.normal());
  const y = Float32Array.from({ length: count }, (_, i) => i % C);
  const x = Float32Array.from(
    { length: count * inputs },
    (_, k) => centres[y[Math.floor(k / inputs)]! * inputs + (k % inputs)]! + rng.normal(),
  );
  const E = s.episodes;
  const S = s.ways * s.shots;
  const Q = s.ways * s.queries;
  const classes = new Uint32Array(E * s.ways);
  const support = new Uint32Array(E * S);
  const query = new Uint32Array(E * Q);
  const pick = (c: number) => c + C * rng.int(count / C);
  for (let e = 0; e < E; e++) {
    const first = rng.int(C);
    for (let k = 0; k < s.ways; k++) classes[e * s.ways + k] = (first + k) % C;
    for (let i = 0; i < S; i++) support[e * S + i] = pick(classes[e * s.ways + (i % s.ways)]!);
    for (let i = 0; i < Q; i++) query[e * Q + i] = pick(classes[e * s.ways + (i % s.ways)]!);
  }
  const dataset = { count, inputs, targetWidth: 1, classes: C, x, y };
  const episodes = withClassLists({
    dataset,
    episodes: E,
    supportSize: S,
    querySize: Q,
    support,
    query,
    labelMapWidth: C,
    ways: s.ways,
  }, classes);
  const theta = Float32Array.from(
    { length: L.stride },
    (_, i) => i < L.paramCount ? 0.2 * rng.normal() : 0,
  );
  const src: ProtonetSource = {
    episodes,
    data: dataset,
    ids: Uint32Array.from({ length: E }, (_, e) => e),
    idsOffset: 0,
  };
  return { L, theta, src };
}

function outputs(P: number, stride: number): ProtonetOut {
  return {
    grads: new Float32Array(P * stride),
    metrics: new Float32Array(P * METRIC_STRIDE),
    stats: new Float32Array(P * PROTONET_STATS),
  };
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

const { values } = parseArgs({ args: Deno.args, options: { rounds: { type: "string" } } });
const rounds = Number(values.rounds ?? 7);
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
  const spec = outputs(P, L.stride);
  const fast = outputs(P, L.stride);
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
}
