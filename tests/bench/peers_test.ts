import assert from "node:assert/strict";
import { bestPeer } from "../../bench/peer_phase.ts";
import { parsePeerLines, peerEnv } from "../../bench/peers.ts";
import { WORKLOAD_W } from "../../bench/workloads.ts";

Deno.test("peerEnv unsets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE and keeps the rest", () => {
  const env = { OPENBLAS_CORETYPE: "Haswell", OPENBLAS_L2_SIZE: "512", PATH: "/bin", HOME: "/h" };
  assert.deepEqual(peerEnv(env), { PATH: "/bin", HOME: "/h" });
  assert.equal(env.OPENBLAS_CORETYPE, "Haswell"); // the caller's copy is untouched
});

Deno.test("parsePeerLines carries BLAS, threads and validity; bestPeer skips reference-BLAS rows", () => {
  const lines = [
    {
      peer: "torch-cpu",
      population: 64,
      threads: 2,
      model_steps_per_s: 900,
      blas: "x",
      valid: true,
    },
    {
      peer: "numpy-cpu",
      population: 64,
      threads: 1,
      model_steps_per_s: 5000,
      blas: "reference (no optimised BLAS loaded)",
      valid: false,
    },
    {
      peer: "numpy-cpu",
      population: 256,
      threads: 1,
      model_steps_per_s: 700,
      blas: "y",
      valid: true,
    },
  ].map((l) => JSON.stringify(l)).join("\n") + "\n";
  const rows = parsePeerLines(WORKLOAD_W, lines, 1.5);
  assert.equal(rows.length, 3);
  assert.deepEqual(rows.map((r) => [r.backend, r.population, r.threads, r.valid]), [
    ["torch-cpu", 64, 2, true],
    ["numpy-cpu", 64, 1, false],
    ["numpy-cpu", 256, 1, true],
  ]);
  assert.ok(rows[0]!.gflops > 0);
  assert.equal(bestPeer(rows, 64)?.backend, "torch-cpu");
  assert.equal(bestPeer(rows, 256)?.model_steps_per_s, 700);
  assert.equal(bestPeer(rows, 1024), undefined);
});

/** blas_info() of bench/peers_blas.py after importing `module` (none: no BLAS loaded), or undefined without python3/threadpoolctl. */
async function blasInfo(module: string): Promise<{ blas: string; valid: boolean } | undefined> {
  const dir = new URL("../../bench/", import.meta.url).pathname;
  const code = `import sys; sys.path.insert(0, "${dir}")\n${module}\nimport json, peers_blas\n` +
    `print(json.dumps(peers_blas.blas_info()))`;
  try {
    const out = await new Deno.Command("/usr/bin/python3", { args: ["-c", code], stderr: "null" })
      .output();
    return out.code === 0 ? JSON.parse(new TextDecoder().decode(out.stdout)) : undefined;
  } catch {
    return undefined;
  }
}

Deno.test("peers_blas.py marks a process with no optimised BLAS invalid and one on OpenBLAS valid", async () => {
  const none = await blasInfo("");
  const numpy = await blasInfo("import numpy");
  if (none === undefined || numpy === undefined) {
    console.log("skipped: /usr/bin/python3 with threadpoolctl and numpy not installed");
    return;
  }
  assert.deepEqual(none, { blas: "reference (no optimised BLAS loaded)", valid: false });
  assert.equal(numpy.valid, numpy.blas.startsWith("openblas") || numpy.blas.startsWith("mkl"));
  assert.match(numpy.blas, /core \S+/);
});

Deno.test("peers_evolve.py breeds each strategy from its own models and keeps its elites", async () => {
  // Without crossover and mutation every child is a copy of a model of its own strategy; the
  // strategy's best model survives when it keeps an elite.
  const code = `
import sys, json, torch
sys.path.insert(0, ${JSON.stringify(new URL("../../bench/", import.meta.url).pathname)})
import peers_evolve as pe
g = torch.Generator().manual_seed(1)
S, M = 3, 8
st = pe.make_state(S, M, g)
for k in ("cross", "mut_rate"):
    st["hp"][k].zero_()
st["hp"]["elites"] = torch.tensor([1, 0, 2])
before = st["flat"].clone()
with torch.no_grad():
    fit = pe.generation(st, S, M, 0, g)
own = [[any(torch.equal(c, before[s * M + j]) for j in range(M)) for c in st["flat"][s * M:(s + 1) * M]] for s in range(S)]
best = fit.argsort(dim=1, descending=True)
elite = [torch.equal(st["flat"][s * M + i], before[s * M + best[s, i]]) for s, i in ((0, 0), (2, 0), (2, 1))]
print(json.dumps({"own": own, "elite": elite}))`;
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("/usr/bin/python3", { args: ["-c", code] }).output();
  } catch {
    console.log("skipped: /usr/bin/python3 not runnable");
    return;
  }
  const err = new TextDecoder().decode(out.stderr);
  if (out.code !== 0 && /No module named/.test(err)) {
    console.log("skipped: /usr/bin/python3 with torch and threadpoolctl not installed");
    return;
  }
  assert.equal(out.code, 0, err);
  const { own, elite } = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.deepEqual(own, own.map((row: boolean[]) => row.map(() => true)));
  assert.deepEqual(elite, [true, true, true]);
});
