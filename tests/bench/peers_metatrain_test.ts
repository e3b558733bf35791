import assert from "node:assert/strict";
import {
  bestCpuPeerRate,
  type MetaTrainPeerRow,
  peerRatioLines,
} from "../../bench/peers_metatrain.ts";

/** A peer row with the fields the ratio reads. */
function peer(variant: string, algorithm: string, metaBatch: number, tps: number, valid = true) {
  return {
    variant,
    algorithm,
    meta_batch: metaBatch,
    threads: 1,
    tasks_per_s: tps,
    cpu_ms_per_iteration: (1000 * metaBatch) / tps,
    other_threads_tasks_per_s: tps / 2,
    blas: valid
      ? "openblas 0.3.21 core Cooperlake pthreads"
      : "reference (no optimised BLAS loaded)",
    valid,
  } satisfies MetaTrainPeerRow;
}

/** CPU peer rows of both algorithms and meta-batches, one on the reference BLAS (invalid). */
const PEERS = [
  peer("plain", "fomaml", 32, 1000),
  peer("factored", "fomaml", 32, 2500),
  peer("factored", "fomaml", 256, 9000, false),
  peer("plain", "fomaml", 256, 2000),
  peer("plain", "reptile", 32, 4000),
];

Deno.test("peerRatioLines: the engine's fastest row against the better valid peer and each", () => {
  const peers = PEERS;
  const engine = [
    { label: "slow", algorithm: "fomaml", tasksPerSecond: 100, cpuMsPerIteration: 300 },
    { label: "loop", algorithm: "fomaml", tasksPerSecond: 500, cpuMsPerIteration: 60 },
    { label: "maml", algorithm: "maml", tasksPerSecond: 9999, cpuMsPerIteration: NaN },
  ];
  const widths = [196, 64, 64, 5];
  assert.deepEqual(peerRatioLines(peers, widths, 32, engine), [
    "  meta-batch 32, fomaml: engine (loop) 500 tasks/s = 0.20x the better PyTorch peer (factored); " +
    "0.50x plain (1000), 0.20x factored (2500); CPU-ms per meta-iteration: engine 60.0, factored 12.8",
  ]);
  // The reference-BLAS row never counts; Reptile has no engine row, MAML no peer.
  assert.deepEqual(peerRatioLines(peers, widths, 256, engine), [
    "  meta-batch 256, fomaml: engine (loop) 500 tasks/s = 0.25x the better PyTorch peer (plain); " +
    "0.25x plain (2000); CPU-ms per meta-iteration: engine 60.0, plain 128.0",
  ]);
  // An engine row without CPU time gives the rates alone.
  const reptile = [{
    label: "r",
    algorithm: "reptile",
    tasksPerSecond: 2000,
    cpuMsPerIteration: NaN,
  }];
  assert.deepEqual(peerRatioLines(peers, widths, 32, reptile), [
    "  meta-batch 32, reptile: engine (r) 2000 tasks/s = 0.50x the better PyTorch peer (plain); " +
    "0.50x plain (4000)",
  ]);
  assert.deepEqual(peerRatioLines(peers, [1, 40, 40, 1], 32, engine), []);
});

/** Whether /usr/bin/python3 has torch and threadpoolctl (else the test says it is skipped). */
async function torchPython(): Promise<boolean> {
  const probe = await new Deno.Command("/usr/bin/python3", {
    args: ["-c", "import torch, threadpoolctl"],
    stderr: "null",
  }).output().catch(() => undefined);
  if (probe?.code === 0) return true;
  console.log("skipped: /usr/bin/python3 with torch and threadpoolctl not installed");
  return false;
}

Deno.test("peers_metatrain.py --check: the factored peer and the support-set-once peer match the plain one", async () => {
  const script = new URL("../../bench/peers_metatrain.py", import.meta.url).pathname;
  if (!await torchPython()) return;
  const out = await new Deno.Command("/usr/bin/python3", { args: [script, "--check"] }).output();
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n").map((l) => JSON.parse(l));
  // 2 algorithms x 2 meta-batches x 2 comparisons, each theta after 3 meta-iterations (float64)
  // and the first meta-gradient (float32).
  assert.equal(lines.length, 8);
  for (const l of lines) assert.ok(l.ok, JSON.stringify(l));
  assert.deepEqual(new Set(lines.map((l) => l.algorithm)), new Set(["fomaml", "reptile"]));
  assert.equal(out.code, 0);
});

Deno.test("peerRatioLines: CUDA peer rows get their own line after the CPU peers' and never mix with them", () => {
  const cpu = peer("factored", "fomaml", 32, 2500);
  const cuda = [
    { ...peer("plain", "fomaml", 32, 400), peer: "torch-cuda", blas: "cuda 13.0 NVIDIA H200" },
    { ...peer("factored", "fomaml", 32, 200), peer: "torch-cuda", blas: "cuda 13.0 NVIDIA H200" },
  ];
  const engine = [{
    label: "gpu",
    algorithm: "fomaml",
    tasksPerSecond: 1000,
    cpuMsPerIteration: NaN,
  }];
  assert.deepEqual(peerRatioLines([cpu, ...cuda], [196, 64, 64, 5], 32, engine), [
    "  meta-batch 32, fomaml: engine (gpu) 1000 tasks/s = 0.40x the better PyTorch peer (factored); " +
    "0.40x factored (2500)",
    "  meta-batch 32, fomaml: engine (gpu) 1000 tasks/s = 2.50x the better PyTorch CUDA peer (plain); " +
    "2.50x plain (400), 5.00x factored (200)",
  ]);
});

Deno.test("peers_metatrain.py: the CUDA rows' shape, and a CUDA failure is one skipped line", async () => {
  if (!await torchPython()) return;
  const dir = new URL("../../bench/", import.meta.url).pathname;
  // A stand-in CUDA: is_available says yes; the measure runs on the CPU (no GPU here), or fails.
  const run = async (fails: boolean) => {
    const code = `import sys; sys.path.insert(0, ${JSON.stringify(dir)})
import peers_metatrain as m
m.torch.cuda.is_available = lambda: True
m.torch.cuda.get_device_name = lambda i: "Stand-in GPU"
real = m.measure
def measure(a, v, T, s, w, device):
    assert device == "cuda"
    if ${fails ? "True" : "False"}: raise RuntimeError("no CUDA driver")
    return real(a, v, T, s, w)
m.measure = measure
m.cuda_rows(0.02, 0.0, [4])`;
    const out = await new Deno.Command("/usr/bin/python3", { args: ["-c", code] }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    return new TextDecoder().decode(out.stdout).trim().split("\n").map((l) => JSON.parse(l));
  };
  const rows = await run(false);
  assert.equal(rows.length, 4); // 2 algorithms x 2 variants at meta-batch 4
  for (const r of rows) {
    assert.equal(r.peer, "torch-cuda");
    assert.match(r.blas, /^cuda .* Stand-in GPU$/);
    assert.ok(r.tasks_per_s > 0 && r.valid === true && r.meta_batch === 4);
  }
  const failed = await run(true);
  assert.deepEqual(failed, [{ peer: "torch-cuda", skipped: "RuntimeError: no CUDA driver" }]);
});

Deno.test("bestCpuPeerRate: the faster valid CPU variant of the algorithm at the meta-batch", () => {
  const w = [196, 64, 64, 5];
  const peers = [
    ...PEERS,
    { ...peer("plain", "fomaml", 32, 7000), peer: "torch-cuda", blas: "cuda 13.0 NVIDIA H200" },
  ];
  assert.equal(bestCpuPeerRate(peers, w, 32, "fomaml"), 2500);
  // The reference-BLAS row never counts, nor the CUDA one.
  assert.equal(bestCpuPeerRate(peers, w, 256, "fomaml"), 2000);
  assert.equal(bestCpuPeerRate(peers, w, 256, "reptile"), undefined);
  assert.equal(bestCpuPeerRate(peers, [1, 40, 40, 1], 32, "fomaml"), undefined);
});
