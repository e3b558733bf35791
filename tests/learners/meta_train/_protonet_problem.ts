/** A seeded ProtoNet problem for the twin and kernel tests: data, episodes, a layout and theta. */
import { Rng } from "../../../core/rng.ts";
import { type Activation, mlpLayout } from "../../../learners/mlp/mlp_layout.ts";
import type { EpisodeBatch } from "../../../learners/tasks/task_family.ts";

/** Global class c of 6; episode e maps classes (e, e+1, e+2) mod 6 to 0, 1, 2. */
export function protonetProblem(
  seed: number,
  o: { widths: number[]; activation: Activation; episodes: number; shots: number; queries: number },
) {
  const rng = new Rng(seed);
  const L = mlpLayout({ size: 1, widths: o.widths, batchSize: 4, activation: o.activation });
  const C = 6;
  const count = 60;
  const inputs = o.widths[0]!;
  const centers = Array.from({ length: C * inputs }, () => rng.normal());
  const y = Float32Array.from({ length: count }, (_, i) => i % C);
  const x = Float32Array.from(
    { length: count * inputs },
    (_, k) => centers[y[Math.floor(k / inputs)]! * inputs + (k % inputs)]! + 0.7 * rng.normal(),
  );
  const N = 3;
  const S = N * o.shots;
  const Q = o.queries;
  const support = new Uint32Array(o.episodes * S);
  const query = new Uint32Array(o.episodes * Q);
  const labelMap = new Uint32Array(o.episodes * C).fill(0xffffffff);
  const pick = (cls: number) => cls + C * rng.int(count / C);
  for (let e = 0; e < o.episodes; e++) {
    for (let k = 0; k < N; k++) labelMap[e * C + (e + k) % C] = k;
    for (let s = 0; s < S; s++) support[e * S + s] = pick((e + (s % N)) % C);
    for (let q = 0; q < Q; q++) query[e * Q + q] = pick((e + (q % N)) % C);
  }
  const episodes = {
    dataset: { count, inputs, targetWidth: 1, classes: C, x, y },
    episodes: o.episodes,
    supportSize: S,
    querySize: Q,
    support,
    query,
    labelMap,
    labelMapWidth: C,
    ways: N,
  } as EpisodeBatch;
  const data = { count, inputs, targetWidth: 1, x, y };
  const theta = Float32Array.from({ length: L.stride }, () => 0.5 * rng.normal());
  return { L, episodes, data, theta, rng };
}
