/**
 * The peer phase of `deno task bench --peers`: every peer (PyTorch, NumPy, TensorFlow.js wasm) is
 * measured before the engine requests a WebGPU adapter, so no engine device (and none of
 * lavapipe's threads) is alive while a peer runs. Each peer row carries its BLAS and threads; a
 * row on the reference BLAS is marked invalid and never counted as the best peer.
 * @module
 */
import { benchPythonPeer, benchTfjsWasm, PYTHON_PEERS } from "./peers.ts";
import { type BenchRow, median, type Workload } from "./workloads.ts";

/** The peer rows of one workload, and the lines saying which peers were skipped and why. */
export interface PeerResults {
  rows: BenchRow[];
  skipped: string[];
}

/** The median over repetitions of each (backend, population) in `runs`. */
function medianRows(runs: BenchRow[][]): BenchRow[] {
  if (runs.length === 0) return [];
  return runs[0]!.map((row) =>
    median(
      runs.map((run) =>
        run.find((x) => x.population === row.population && x.backend === row.backend)
      ),
    )!
  );
}

/** TensorFlow.js (wasm) at each size; a population too large for its memory is skipped. */
async function tfjsRows(w: Workload, sizes: number[], seconds: number): Promise<PeerResults> {
  const rows: BenchRow[] = [];
  const skipped: string[] = [];
  for (const P of sizes) {
    try {
      rows.push(await benchTfjsWasm(w, P, seconds));
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      skipped.push(`tfjs-wasm P=${P} skipped: ${e.message}`);
    }
  }
  return { rows, skipped };
}

/** Measures every peer on workload `w` (median over `repeat` runs each). Call before any adapter exists. */
export async function measurePeers(
  w: Workload,
  sizes: number[],
  seconds: number,
  repeat: number,
): Promise<PeerResults> {
  const out: PeerResults = { rows: [], skipped: [] };
  for (const peer of PYTHON_PEERS) {
    const runs: BenchRow[][] = [];
    for (let r = 0; r < repeat; r++) {
      const t = await benchPythonPeer(peer, w, sizes, seconds);
      if (typeof t === "string") {
        out.skipped.push(`${peer.script} skipped: ${t}`);
        break;
      }
      runs.push(t);
    }
    out.rows.push(...medianRows(runs));
  }
  const tfRuns: BenchRow[][] = [];
  for (let r = 0; r < repeat; r++) {
    const t = await tfjsRows(w, sizes, seconds);
    if (r === 0) out.skipped.push(...t.skipped);
    tfRuns.push(t.rows);
  }
  out.rows.push(...medianRows(tfRuns));
  return out;
}

/** The fastest valid peer row at population P (never one on the reference BLAS). */
export function bestPeer(rows: BenchRow[], P: number): BenchRow | undefined {
  return rows.filter((r) => r.population === P && r.valid !== false)
    .reduce<BenchRow | undefined>(
      (m, r) => (m && m.model_steps_per_s >= r.model_steps_per_s ? m : r),
      undefined,
    );
}

/** One line per Python peer saying which BLAS, core type and threads it ran on. */
export function peerBlasLines(rows: BenchRow[]): string[] {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const r of rows) {
    if (r.blas === undefined || seen.has(r.backend)) continue;
    seen.add(r.backend);
    const threads = rows.filter((x) => x.backend === r.backend)
      .map((x) => `P=${x.population}: ${x.threads}`).join(", ");
    lines.push(
      `${r.backend}: BLAS ${r.blas}${
        r.valid ? "" : " -- INVALID (reference BLAS)"
      }; best threads ${threads}`,
    );
  }
  return lines;
}
