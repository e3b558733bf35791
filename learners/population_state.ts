/**
 * Population states as checkpoint blobs: each array of a `PopulationState` as raw bytes.
 * @module
 */
import type { PopulationState } from "./backend.ts";

const KEYS = ["params", "opt", "steps", "metrics", "knobs"] as const;

/** The state's arrays as byte blobs, by name. */
export function populationStateBlobs(state: PopulationState): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const k of KEYS) {
    out[k] = new Uint8Array(state[k].buffer, state[k].byteOffset, state[k].byteLength);
  }
  return out;
}

/** Rebuilds a state from blobs written by `populationStateBlobs`; throws naming a missing blob. */
export function populationStateFromBlobs(blobs: Record<string, Uint8Array>): PopulationState {
  for (const k of KEYS) {
    const b = blobs[k];
    if (!b || b.byteLength % 4 !== 0) {
      throw new RangeError(
        `Invalid checkpoint: blob "${k}" must hold 4-byte values: current value is ${b?.byteLength}`,
      );
    }
  }
  const f32 = (k: (typeof KEYS)[number]) => new Float32Array(blobs[k]!.slice().buffer);
  return {
    params: f32("params"),
    opt: f32("opt"),
    steps: new Uint32Array(blobs.steps!.slice().buffer),
    metrics: f32("metrics"),
    knobs: f32("knobs"),
  };
}
