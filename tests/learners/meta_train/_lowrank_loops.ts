/** Shared by the factored meta loop's tests: the per-model CPU loop, a 4-iteration run, its check. */
import assert from "node:assert/strict";
import { Rng } from "../../../core/rng.ts";
import { CpuDataset, CpuPopulation } from "../../../learners/cpu_backend.ts";
import type { BackendDataset } from "../../../learners/backend.ts";
import { CpuMetaLoop } from "../../../learners/meta_train/cpu_meta_loop.ts";
import {
  loopModels,
  loopShape,
  type MetaLoop,
  type MetaLoopReadout,
  type MetaLoopSpec,
} from "../../../learners/meta_train/mod.ts";
import type { EpisodeBatch } from "../../../learners/tasks/task_family.ts";
import { assertClose } from "../../helpers.ts";

/** The per-model CPU loop (the specification), whatever CpuBackend.createMetaLoop picks. */
export function perModelLoop(spec: MetaLoopSpec): MetaLoop {
  return new CpuMetaLoop(spec, new CpuPopulation({ size: loopModels(spec), ...loopShape(spec) }));
}

export async function runLoop(
  loop: MetaLoop,
  batch: EpisodeBatch,
  stride: number,
  data: BackendDataset = new CpuDataset(batch.dataset),
): Promise<MetaLoopReadout[]> {
  const rng = new Rng(7);
  loop.write({
    theta: Float32Array.from({ length: stride }, () => 0.6 * rng.normal()),
    moments: new Float32Array(2 * stride),
    t: 0,
  });
  const out: MetaLoopReadout[] = [];
  for (const n of [3, 1]) {
    const ids = Uint32Array.from({ length: loop.spec.metaBatch * n }, () => rng.int(20));
    loop.run(batch, data, ids);
    out.push(await loop.read());
  }
  return out;
}

/** Theta, moments, t and every log row of two loops' reads; the first iteration moved theta. */
export function compareReads(got: MetaLoopReadout[], want: MetaLoopReadout[]): void {
  for (let r = 0; r < 2; r++) {
    const tol = { atol: 1e-5, rtol: 1e-4 };
    assertClose(got[r]!.state.theta, want[r]!.state.theta, { ...tol, what: `theta ${r}` });
    assertClose(got[r]!.state.moments, want[r]!.state.moments, { ...tol, what: `moments ${r}` });
    assertClose(got[r]!.log, want[r]!.log, { atol: 1e-5, rtol: 1e-3, what: `log ${r}` });
    assert.equal(got[r]!.state.t, want[r]!.state.t);
  }
  assert.equal(got[0]!.log.length, 12);
  // The iterations move theta (a loop that did nothing would not pass for a trivial reason).
  assert.ok(want[0]!.log[1]! > 1e-3, "norm of the first iteration");
}
