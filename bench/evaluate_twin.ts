/**
 * `deno run -A bench/evaluate_twin.ts [--rounds R]`: time of `evaluateCpu` (learners/mlp/
 * evaluate_cpu.ts) on its fast forward pass against its readable one, alternating in one process:
 * 32 models of the glyphs' 196-64-64-5 network on 75 samples each (a 5-way 1-shot episode's query
 * set) and of the synthetic 16-64-64-16-5 network. The readable pass is taken by a copy of the data
 * set whose rows carry one extra column (the fast pass does not take such rows); prints the medians
 * of wall time, the multiply-adds per second and whether the results are the same bits. With
 * METAFORGE_WASM=0 the fast pass runs its plain loops instead of the WebAssembly kernels.
 * @module
 */
import { parseArgs } from "node:util";
import { Rng } from "../core/rng.ts";
import { CpuPopulation } from "../learners/cpu_backend.ts";
import { evaluateCpu } from "../learners/mlp/evaluate_cpu.ts";
import type { MlpData } from "../learners/mlp/mlp_state.ts";

const { values } = parseArgs({ args: Deno.args, options: { rounds: { type: "string" } } });
const rounds = Number(values.rounds ?? 9);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 1000) {
  console.error(`--rounds must be an integer in [1, 1000]: current value is ${values.rounds}`);
  Deno.exit(2);
}

/** The data set `d` with one more column of zeros after each row's inputs. */
function widened(d: MlpData): MlpData {
  const inputs = d.inputs + 1;
  const x = new Float32Array(d.count * inputs);
  for (let r = 0; r < d.count; r++) {
    x.set(d.x.subarray(r * d.inputs, (r + 1) * d.inputs), r * inputs);
  }
  return { ...d, inputs, x };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

for (const widths of [[196, 64, 64, 5], [16, 64, 64, 16, 5]]) {
  const rng = new Rng(7);
  const models = 32;
  const count = 75;
  const rows = 1000;
  const pop = new CpuPopulation({ size: models, widths, batchSize: 5 });
  pop.init(1);
  const inputs = widths[0]!;
  const data: MlpData = {
    count: rows,
    inputs,
    targetWidth: 1,
    x: Float32Array.from({ length: rows * inputs }, () => rng.normal()),
    y: Float32Array.from({ length: rows }, (_, i) => i % 5),
  };
  const wide = widened(data);
  const idx = Uint32Array.from({ length: models * count }, () => rng.int(rows));
  const run = (d: MlpData) => evaluateCpu(pop.layout, pop.state, d, idx, count, true);
  const a = run(data);
  const b = run(wide);
  const same = [a.loss, a.accuracy, a.outputs!].every((v, k) =>
    v.every((x, i) => Object.is(x, [b.loss, b.accuracy, b.outputs!][k]![i]))
  );
  const fast: number[] = [];
  const readable: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let t = performance.now();
    run(data);
    fast.push(performance.now() - t);
    t = performance.now();
    run(wide);
    readable.push(performance.now() - t);
  }
  let macs = 0;
  for (let l = 0; l + 1 < widths.length; l++) macs += widths[l]! * widths[l + 1]!;
  const rate = (ms: number) => ((models * count * macs) / ms / 1e6).toFixed(2);
  const [f, s] = [median(fast), median(readable)];
  console.log(
    `${widths.join("-")}, ${models} models x ${count} samples (wall, median of ${rounds}): ` +
      `readable ${s.toFixed(1)} ms (${rate(s)} GMAC/s), fast ${f.toFixed(1)} ms (${
        rate(f)
      } GMAC/s), ` +
      `x${(s / f).toFixed(2)}; same bits: ${same}`,
  );
}
