/**
 * `deno run -A bench/maml_twin.ts [--rounds R]`: time of one second-order MAML meta-iteration of
 * the CPU twin (`CpuMetaLoop`'s `#maml`: K inner `trainStepCpu` steps, the query gradient, K
 * `hvpStepCpu` steps back) against the readable specifications (`trainStepSpecCpu`,
 * `hvpStepSpecCpu`) at the shapes the engine trains, alternating the two in one process; prints
 * the medians of the train and Hessian-vector parts, their ratios, and whether the outputs are the
 * same bits. Both sides use the optimizer update as it now is (standardUpdate without a closure per
 * entry, which alone took about a millisecond per model step at the glyphs' 17,000 parameters), so
 * the ratios are below those against the code before 2026-12-03.
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { Rng } from "../core/rng.ts";
import { CpuPopulation } from "../learners/cpu_backend.ts";
import { trainStepCpu, trainStepSpecCpu } from "../learners/mlp/mlp_cpu.ts";
import { hvpStepCpu, hvpStepSpecCpu } from "../learners/meta_train/maml_cpu.ts";

/** One benchmarked shape: the network, the support batch and the meta-batch. */
interface Shape {
  name: string;
  widths: number[];
  loss: "cross_entropy" | "mse";
  batchSize: number;
  ways: number;
  models: number;
  innerSteps: number;
}

/** Glyphs 5-way 1-shot; the shapes below take it with 1 and with 5 inner steps. */
const GLYPHS: Omit<Shape, "innerSteps"> = {
  name: "glyphs 196-64-64-5, 5-way 1-shot",
  widths: [196, 64, 64, 5],
  loss: "cross_entropy",
  batchSize: 5,
  ways: 5,
  models: 16,
};

const SHAPES: Shape[] = [
  { ...GLYPHS, innerSteps: 1 },
  { ...GLYPHS, innerSteps: 5 },
  {
    name: "synthetic 16-64-64-16-5, 5-way 1-shot",
    widths: [16, 64, 64, 16, 5],
    loss: "cross_entropy",
    batchSize: 5,
    ways: 5,
    models: 16,
    innerSteps: 5,
  },
  {
    name: "sinusoid 1-40-40-1, 10-shot",
    widths: [1, 40, 40, 1],
    loss: "mse",
    batchSize: 10,
    ways: 1,
    models: 16,
    innerSteps: 5,
  },
];

type Variant = "spec" | "fast";

/** A seeded meta-batch of `s`: data, the population, its starting rows, batches and label maps. */
function problem(s: Shape, seed: number) {
  const rng = new Rng(seed);
  const inputs = s.widths[0]!;
  const C = 4 * s.ways;
  const count = 40 * C;
  const x = Float32Array.from({ length: count * inputs }, () => rng.normal());
  const y = s.loss === "mse"
    ? Float32Array.from({ length: count }, () => rng.normal())
    : Float32Array.from({ length: count }, (_, i) => i % C);
  const data = { count, inputs, targetWidth: 1, x, y };
  const P = s.models;
  const pop = new CpuPopulation({
    size: P,
    widths: s.widths,
    batchSize: s.batchSize,
    loss: s.loss,
  });
  const L = pop.layout;
  pop.setKnobs({ lr: 0.4, optimizer: "sgd" });
  const slots = s.innerSteps + 1;
  const batches = Uint32Array.from({ length: P * slots * s.batchSize }, () => rng.int(count));
  pop.setBatches(batches, slots);
  const labelMap = Uint32Array.from({ length: P * C }, () => rng.int(s.ways));
  if (s.loss === "cross_entropy") pop.setLabelMap(labelMap, C);
  const params = Float32Array.from(
    { length: P * L.stride },
    (_, i) => (i % L.stride) < L.paramCount ? 0.2 * rng.normal() : 0,
  );
  const W = s.loss === "cross_entropy" ? C : 0;
  return { pop, data, params, batches, labelMap: W > 0 ? labelMap : new Uint32Array(1), W };
}

/** One meta-iteration with `v`'s twins; the meta-gradient rows and the times of its two parts. */
function metaIteration(s: Shape, pb: ReturnType<typeof problem>, v: Variant) {
  const { pop, data } = pb;
  const L = pop.layout;
  const st = pop.state;
  st.params.set(pb.params);
  st.opt.fill(0);
  st.steps.fill(0);
  st.metrics.fill(0);
  const train = v === "spec" ? trainStepSpecCpu : trainStepCpu;
  const hvp = v === "spec" ? hvpStepSpecCpu : hvpStepCpu;
  const c0 = process.cpuUsage().user;
  const path: Float32Array[] = [];
  for (let k = 0; k < s.innerSteps; k++) {
    path.push(st.params.slice());
    train(L, st, data);
  }
  const grads = new Float32Array(s.models * L.stride);
  train(L, st, data, grads);
  const c1 = process.cpuUsage().user;
  const shape = {
    models: s.models,
    rowLen: (s.innerSteps + 1) * s.batchSize,
    labelWidth: pb.W,
    lr: 0.4,
  };
  for (let k = path.length - 1; k >= 0; k--) {
    hvp(L, data, { v: grads, batches: pb.batches, labelMap: pb.labelMap, theta: path[k]! }, shape);
  }
  const c2 = process.cpuUsage().user;
  return {
    out: [grads, st.params.slice(), st.metrics.slice()],
    train: (c1 - c0) / 1000,
    hvp: (c2 - c1) / 1000,
  };
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

function sameBits(a: Float32Array[], b: Float32Array[]): boolean {
  return a.every((x, k) => x.every((e, i) => Object.is(e, b[k]![i])));
}

const { values } = parseArgs({ args: Deno.args, options: { rounds: { type: "string" } } });
const rounds = Number(values.rounds ?? 7);
for (const s of SHAPES) {
  const pb = problem(s, 3);
  const t = {
    spec: { train: [] as number[], hvp: [] as number[] },
    fast: { train: [] as number[], hvp: [] as number[] },
  };
  let same = true;
  // Untimed warm-up rounds: the JIT's tiers.
  for (let r = 0; r < 3; r++) for (const v of ["spec", "fast"] as const) metaIteration(s, pb, v);
  for (let r = 0; r < rounds; r++) {
    const a = metaIteration(s, pb, "spec");
    const b = metaIteration(s, pb, "fast");
    same &&= sameBits(a.out, b.out);
    for (const [v, x] of [["spec", a], ["fast", b]] as const) {
      t[v].train.push(x.train);
      t[v].hvp.push(x.hvp);
    }
  }
  const m = (v: Variant, k: "train" | "hvp") => median(t[v][k]);
  const tot = (v: Variant) => m(v, "train") + m(v, "hvp");
  console.log(
    `${s.name}, ${s.models} models, ${s.innerSteps} inner steps (user CPU, median of ${rounds}): ` +
      `train spec ${m("spec", "train").toFixed(1)} ms, fast ${m("fast", "train").toFixed(1)} ms ` +
      `(x${(m("spec", "train") / m("fast", "train")).toFixed(2)}); hvp spec ${
        m("spec", "hvp").toFixed(1)
      } ms, fast ${m("fast", "hvp").toFixed(1)} ms (x${
        (m("spec", "hvp") / m("fast", "hvp")).toFixed(2)
      }); ` +
      `iteration spec ${tot("spec").toFixed(1)} ms, fast ${tot("fast").toFixed(1)} ms (x${
        (tot("spec") / tot("fast")).toFixed(2)
      }); same bits: ${same}`,
  );
}
