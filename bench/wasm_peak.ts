/**
 * The arithmetic ceiling of the CPU twins' WebAssembly kernels on this machine: independent chains
 * of f64x2 multiply-then-add (the kernels' two roundings; no fused multiply-add) in registers, one
 * chain per v128 local, timed on 1 thread and on `--threads` threads at once (workers). Each chain's
 * result is checked against the same recurrence in JavaScript before a rate is printed. The CPU
 * meta-training loop's FLOP per task divided by this rate bounds its tasks/s from above
 * (README, "Benchmarks").
 *
 *   deno run -A bench/wasm_peak.ts [--threads N] [--seconds S]
 * @module
 */
import { parseArgs } from "node:util";
import { cpus } from "node:os";
import { bump, ge, I32, type Ins, loop, V128, wasmModule } from "../learners/mlp/wasm_emit.ts";

/** Independent chains: enough to cover the add and multiply latencies on 2 ports each. */
const CHAINS = 24;
const MUL = 0.9999999;
const ADD = 1e-9;

/** The module: `peak(n, out)` runs n rounds of every chain, then stores the chains at `out`. */
function peakModule(): WebAssembly.Module {
  const [n, out, i, m, a, acc] = [0, 1, 2, 3, 4, 5];
  const body: Ins[] = [
    ["f64.const", MUL],
    ["f64x2.splat"],
    ["local.set", m],
    ["f64.const", ADD],
    ["f64x2.splat"],
    ["local.set", a],
  ];
  for (let c = 0; c < CHAINS; c++) {
    body.push(["f64.const", 1 + c], ["f64x2.splat"], ["local.set", acc + c]);
  }
  const round: Ins[] = [];
  for (let c = 0; c < CHAINS; c++) {
    round.push(["local.get", acc + c], ["local.get", m], ["f64x2.mul"], ["local.get", a]);
    round.push(["f64x2.add"], ["local.set", acc + c]);
  }
  body.push(...loop(ge(i, n), round, bump(i, 1)));
  for (let c = 0; c < CHAINS; c++) {
    body.push(["local.get", out], ["local.get", acc + c], ["v128.store", 16 * c]);
  }
  const locals = [{ type: I32, count: 1 }, { type: V128, count: 2 + CHAINS }];
  const bytes = wasmModule([{ name: "peak", params: 2, locals, body }], 1);
  return new WebAssembly.Module(bytes as BufferSource);
}

/** The chains after `n` rounds, as the module leaves them. */
function run(peak: (n: number, out: number) => void, mem: WebAssembly.Memory, n: number) {
  peak(n, 0);
  return new Float64Array(mem.buffer, 0, 2 * CHAINS);
}

/** Checks 1,000 rounds against the recurrence in JavaScript, then runs for about `seconds`. */
function measure(seconds: number): number {
  const mem = new WebAssembly.Memory({ initial: 1 });
  const inst = new WebAssembly.Instance(peakModule(), { env: { mem } });
  const peak = inst.exports.peak as (n: number, out: number) => void;
  const got = run(peak, mem, 1000);
  for (let c = 0; c < CHAINS; c++) {
    let v = 1 + c;
    for (let r = 0; r < 1000; r++) v = v * MUL + ADD;
    if (got[2 * c] !== v || got[2 * c + 1] !== v) {
      throw new Error(`chain ${c}: ${got[2 * c]} != ${v}`);
    }
  }
  let n = 1 << 16;
  for (;;) {
    const t0 = performance.now();
    peak(n, 0);
    const t = (performance.now() - t0) / 1000;
    if (t >= seconds || n >= 2 ** 30) return (n * CHAINS * 4) / t;
    n = Math.min(2 ** 30, n * Math.max(2, Math.ceil(seconds / Math.max(t, 1e-3))));
  }
}

/** FLOP/s of `threads` workers measuring at once for about `seconds` each, one per worker. */
export async function peakOnThreads(threads: number, seconds: number): Promise<number[]> {
  const workers = Array.from(
    { length: threads },
    () => new Worker(import.meta.url, { type: "module", name: "wasm-peak" }),
  );
  try {
    return await Promise.all(workers.map((w) =>
      new Promise<number>((res, rej) => {
        w.onmessage = (e: MessageEvent<number>) => res(e.data);
        w.onerror = (e) => rej(new Error(e.message));
        w.postMessage(seconds);
      })
    ));
  } finally {
    workers.forEach((w) => w.terminate());
  }
}

/** A worker: measures when told, replies with its rate. */
function workerMain(): void {
  const self = globalThis as unknown as Worker;
  self.onmessage = (e: MessageEvent<number>) => self.postMessage(measure(e.data));
}

/** The flags, or a one-line error and exit 2. */
function flags(): { threads: number; seconds: number } {
  const fail = (line: string): never => {
    console.error(`wasm_peak: ${line}`);
    Deno.exit(2);
  };
  let values: { threads?: string; seconds?: string } = {};
  try {
    ({ values } = parseArgs({
      options: { threads: { type: "string" }, seconds: { type: "string" } },
    }));
  } catch (e) {
    fail(`${(e as Error).message.split("\n")[0]} (flags: --threads N, --seconds S)`);
  }
  const threads = Number(values.threads ?? cpus().length);
  const seconds = Number(values.seconds ?? 1);
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
    fail(`--threads must be an integer in [1, 256]: current value is ${values.threads}`);
  }
  if (!(seconds > 0 && seconds <= 60)) {
    fail(`--seconds must be in (0, 60]: current value is ${values.seconds}`);
  }
  return { threads, seconds };
}

async function main(): Promise<void> {
  const { threads, seconds } = flags();
  const one = measure(seconds);
  console.log(`1 thread: ${(one / 1e9).toFixed(2)} GFLOP/s (f64x2 multiply then add)`);
  const rates = await peakOnThreads(threads, seconds);
  const sum = rates.reduce((a, b) => a + b, 0);
  console.log(
    `${threads} threads at once: ${(sum / 1e9).toFixed(2)} GFLOP/s in all ` +
      `(${rates.map((r) => (r / 1e9).toFixed(2)).join(", ")})`,
  );
}

if (self.name === "wasm-peak") workerMain();
else if (import.meta.main) await main();
