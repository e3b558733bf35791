import assert from "node:assert/strict";
import { fomamlTaskFlop, samplePassFlop } from "../../bench/meta_flops.ts";

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
  const cores = navigator.hardwareConcurrency;
  assert.match(
    text,
    cores > 1
      ? new RegExp(`GFLOP/s on the twins' 1 threads of ${cores} cores \\(METAFORGE_CPU_THREADS`)
      : /GFLOP\/s on the twins' 1 threads, bench/,
  );
});
