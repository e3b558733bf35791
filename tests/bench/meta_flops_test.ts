import assert from "node:assert/strict";
import { factoredFomamlTaskFlop, fomamlTaskFlop, samplePassFlop } from "../../bench/meta_flops.ts";

Deno.test("FOMAML task FLOP of the bench workload: 3,833,600 at 196-64-64-5, 5 x 5 + 25", () => {
  // 196*64 + 64*64 + 64*5 = 16,960 multiply-adds; deltas of layers 1-2: 4,096 + 320.
  assert.equal(samplePassFlop([196, 64, 64, 5]), 4 * 16_960 + 2 * 4_416);
  assert.equal(
    fomamlTaskFlop([196, 64, 64, 5], { support: 5, query: 25, innerSteps: 5 }),
    3_833_600,
  );
  // One layer: no input deltas.
  assert.equal(samplePassFlop([3, 2]), 24);
});

Deno.test("cpuCeilingLine measures the ceiling on the CPU twins' threads and names the cores", async () => {
  const code = `import { cpuCeilingLine } from "${
    new URL("../../bench/meta_flops.ts", import.meta.url).href
  }";\nconsole.log(await cpuCeilingLine({ widths: [196, 64, 64, 5], support: 5, query: 25 }, 1000));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--config", new URL("../../deno.json", import.meta.url).pathname, code],
    env: { METAFORGE_CPU_THREADS: "1", NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  // 1,000 tasks/s of 3.8336 MFLOP: 3.8 GFLOP/s, against a ceiling measured on 1 thread.
  assert.match(
    text,
    /3\.83 MFLOP per task .*, 3\.8 GFLOP\/s, \d+% of the CPU twins' f64x2 ceiling/,
  );
  // No peer rate: no line about it.
  assert.doesNotMatch(text, /2x the better PyTorch/);
  const cores = navigator.hardwareConcurrency;
  assert.match(
    text,
    cores > 1
      ? new RegExp(`GFLOP/s on the twins' 1 threads of ${cores} cores \\(METAFORGE_CPU_THREADS`)
      : /GFLOP\/s on the twins' 1 threads, bench/,
  );
});

Deno.test("factored FOMAML task FLOP: 2,795,440 at 196-64-64-5, 5 x 5 + 25", () => {
  // Projection: (5 + 25) x 196 x 64 = 376,320 and the Gram rows (5 + 25) x 5 x 196 = 29,400.
  // Inner steps: 5 x (5 x 5 x 64 + 3 x 5 x 4,416) = 5 x 67,840 = 339,200.
  // Query: 25 x 5 x 64 + 3 x 25 x 4,416 + 25 x 196 x 64 = 8,000 + 331,200 + 313,600 = 652,800.
  const mac = 376_320 + 29_400 + 339_200 + 652_800;
  assert.equal(mac, 1_397_720);
  const o = { support: 5, query: 25, innerSteps: 5 };
  assert.equal(factoredFomamlTaskFlop([196, 64, 64, 5], o), 2 * mac);
  // One hidden layer: the later layers are the output layer only (64 x 5 = 320).
  const one = 2 * (30 * 196 * 64 + 30 * 5 * 196 + 5 * (5 * 5 * 64 + 3 * 5 * 320) +
    25 * 5 * 64 + 3 * 25 * 320 + 25 * 196 * 64);
  assert.equal(factoredFomamlTaskFlop([196, 64, 5], o), one);
});

Deno.test("cpuCeilingLine states what 2x the peer's rate needs against the ceiling", async () => {
  const code = `import { cpuCeilingLine } from "${
    new URL("../../bench/meta_flops.ts", import.meta.url).href
  }";\nconsole.log(await cpuCeilingLine({ widths: [196, 64, 64, 5], support: 5, query: 25 }, 1000, 5000));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--config", new URL("../../deno.json", import.meta.url).pathname, code],
    env: { METAFORGE_CPU_THREADS: "1", NO_COLOR: "1" },
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const text = new TextDecoder().decode(out.stdout);
  // 10,000 tasks/s: 38.3 GFLOP/s at 3.83 MFLOP, 28.0 at the factored 2.80.
  const m = text.match(
    /2x the better PyTorch CPU peer \(10000 tasks\/s\) needs 38\.3 GFLOP\/s at 3\.83 MFLOP per task \(([\d.]+)x the ceiling\) on this loop, 28\.0 GFLOP\/s at 2\.80 MFLOP per task \(([\d.]+)x the ceiling\) factored/,
  );
  assert.ok(m, text);
  // The same ceiling divides both: their multiples stand as the FLOP counts do.
  const ratio = Number(m[1]) / Number(m[2]);
  assert.ok(Math.abs(ratio - 3_833_600 / 2_795_440) < 0.02, `${m[1]} / ${m[2]}`);
});
