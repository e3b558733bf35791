/**
 * Peers measured in the same run as the engine on the same workloads (`deno task bench --peers`):
 * TensorFlow.js with its wasm backend (npm) PyTorch CPU and NumPy (Debian's python3-torch and
 * python3-numpy on OpenBLAS, run with /usr/bin/python3, batched matrix products with manual
 * gradients, and PyTorch with autograd).
 * @module
 */
import { flopsPerModelStep, mlpLayout } from "../learners/mlp/mlp_layout.ts";
import { type BenchRow, warmUp, WARMUP_SECONDS, type Workload } from "./workloads.ts";

/**
 * TensorFlow.js's modules, imported by a name held in a variable so that they stay out of the
 * bench's module graph: a run without --peers (the GPU run on a machine with no network) needs no
 * TensorFlow.js installed.
 */
const TFJS = ["@tensorflow/tfjs", "@tensorflow/tfjs-backend-wasm"] as const;

/** Trains P MLPs of workload `w` with TensorFlow.js (wasm backend), one SGD step per model-step. */
export async function benchTfjsWasm(w: Workload, P: number, minSeconds: number): Promise<BenchRow> {
  const tf: typeof import("@tensorflow/tfjs") = await import(TFJS[0]);
  await import(TFJS[1]);
  await tf.setBackend("wasm");
  await tf.ready();
  const L = w.widths.length - 1;
  const ws = Array.from(
    { length: L },
    (_, l) =>
      tf.variable(
        tf.randomNormal([P, w.widths[l]!, w.widths[l + 1]!], 0, Math.sqrt(2 / w.widths[l]!)),
      ),
  );
  const bs = Array.from({ length: L }, (_, l) => tf.variable(tf.zeros([P, 1, w.widths[l + 1]!])));
  const x = tf.randomNormal([P, w.batchSize, w.widths[0]!]);
  const labels = tf.oneHot(
    tf.randomUniform([P, w.batchSize], 0, w.widths[L]!, "int32"),
    w.widths[L]!,
  );
  const lr = 0.01;
  const step = () =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        let h: ReturnType<typeof tf.add> = x;
        for (let l = 0; l < L; l++) {
          h = tf.add(tf.matMul(h, ws[l]!), bs[l]!);
          if (l < L - 1) h = tf.relu(h);
        }
        const logp = tf.logSoftmax(h);
        return tf.div(tf.neg(tf.sum(tf.mul(labels, logp))), w.batchSize) as ReturnType<
          typeof tf.scalar
        >;
      });
      for (const v of [...ws, ...bs]) v.assign(tf.sub(v, tf.mul(grads[v.name]!, lr)));
    });
  await warmUp(step);
  let steps = 0;
  const t0 = performance.now();
  let seconds = 0;
  while (seconds < minSeconds) {
    step();
    steps++;
    seconds = (performance.now() - t0) / 1000;
  }
  for (const v of [...ws, ...bs, x, labels]) v.dispose();
  const msps = (steps * P) / seconds;
  const layout = mlpLayout({ size: 1, widths: w.widths, batchSize: w.batchSize });
  return {
    workload: w.name,
    backend: "tfjs-wasm",
    population: P,
    model_steps_per_s: msps,
    gflops: (msps * flopsPerModelStep(layout)) / 1e9,
    steps,
    seconds,
  };
}

/** The environment of a Python peer: this process's, without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (so OpenBLAS picks its own kernel). */
export function peerEnv(env: Record<string, string>): Record<string, string> {
  const out = { ...env };
  delete out.OPENBLAS_CORETYPE;
  delete out.OPENBLAS_L2_SIZE;
  return out;
}

/**
 * Runs bench/SCRIPT with /usr/bin/python3 (or the interpreter METAFORGE_PYTHON names) and `args`
 * in the peer environment (peerEnv); its stdout, or a one-line reason naming the Debian `packages`
 * when a module is missing.
 */
export async function runPythonPeer(
  script: string,
  args: string[],
  packages: string,
): Promise<{ ok: true; stdout: string } | { ok: false; error: string }> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(Deno.env.get("METAFORGE_PYTHON") || "/usr/bin/python3", {
      args: [new URL(`./${script}`, import.meta.url).pathname, ...args],
      clearEnv: true,
      env: peerEnv(Deno.env.toObject()),
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (e) {
    return { ok: false, error: `python3 not runnable: ${(e as Error).message}` };
  }
  const last = new TextDecoder().decode(out.stderr).trim().split("\n").at(-1);
  if (out.code === 0) return { ok: true, stdout: new TextDecoder().decode(out.stdout) };
  return {
    ok: false,
    error: /No module named/.test(last ?? "")
      ? `${last} (apt-get install ${packages})`
      : `${script} failed: ${last}`,
  };
}

/** One JSON line printed by a Python peer (bench/peers_torch.py, bench/peers_numpy.py). */
interface PeerLine {
  peer: string;
  population: number;
  threads: number;
  model_steps_per_s: number;
  blas: string;
  valid: boolean;
}

/** Bench rows from the JSON lines a Python peer printed for workload `w`. */
export function parsePeerLines(w: Workload, stdout: string, seconds: number): BenchRow[] {
  const layout = mlpLayout({ size: 1, widths: w.widths, batchSize: w.batchSize });
  return stdout.trim().split("\n").filter((l) => l !== "").map((line) => {
    const r = JSON.parse(line) as PeerLine;
    return {
      workload: w.name,
      backend: r.peer,
      population: r.population,
      model_steps_per_s: r.model_steps_per_s,
      gflops: (r.model_steps_per_s * flopsPerModelStep(layout)) / 1e9,
      steps: 0,
      seconds,
      blas: r.blas,
      threads: r.threads,
      valid: r.valid,
    };
  });
}

/** The Python peers: script file and the Debian packages it needs. */
export const PYTHON_PEERS = [
  {
    script: "peers_torch.py",
    packages: "python3-torch python3-threadpoolctl libopenblas0-pthread",
  },
  {
    script: "peers_numpy.py",
    packages: "python3-numpy python3-threadpoolctl libopenblas0-pthread",
  },
] as const;

/**
 * Rows of one Python peer (bench/peers_torch.py: "torch-cpu" manual gradients and
 * "torch-cpu-autograd"; bench/peers_numpy.py: "numpy-cpu"), or the reason it was skipped. Run in
 * its own process with OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset.
 */
export async function benchPythonPeer(
  peer: (typeof PYTHON_PEERS)[number],
  w: Workload,
  sizes: number[],
  minSeconds: number,
): Promise<BenchRow[] | string> {
  const out = await runPythonPeer(peer.script, [
    w.widths.join("-"),
    String(w.batchSize),
    String(minSeconds),
    String(WARMUP_SECONDS),
    ...sizes.map(String),
  ], peer.packages);
  if (!out.ok) return out.error;
  return parsePeerLines(w, out.stdout, minSeconds);
}
