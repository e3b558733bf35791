/**
 * The synthetic family's latent Bayes rule on the very episodes a `meta` run tests (or validates)
 * on: the reference `syntheticBayesCeiling` is an average over the family, and 100 test episodes
 * can sit a point or more from it. Rebuilds each episode's latent points from the family's counter
 * scheme (learners/tasks/synthetic_classification.ts), checks them against the family's own inputs
 * (the map applied to them, without the input noise, must be within the noise of the inputs), and
 * scores the Bayes rule |z - c s_k| of `syntheticBayesCeiling` on them.
 *
 *   deno run tools/synthetic_episode_ceiling.ts [--seed 0] [--tag test] [--episodes 100] [--shots 1]
 *
 * `--seed` is the run's `--seed` (meta's seed i of it is deriveSeed(seed, i); i = 0 here), `--tag`
 * the pool ("test" or "val"). Prints the accuracy in percent.
 * @module
 */
import { parseArgs } from "node:util";
import { deriveSeed, rngNormal } from "../core/rng.ts";
import {
  SyntheticClassification,
  syntheticMap,
} from "../learners/tasks/synthetic_classification.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    seed: { type: "string", default: "0" },
    tag: { type: "string", default: "test" },
    episodes: { type: "string", default: "100" },
    shots: { type: "string", default: "1" },
  },
});
const [N, K, Q, L, H, D] = [5, Number(values.shots), 15, 8, 32, 16];
const E = Number(values.episodes);
if (!(Number.isInteger(E) && E >= 1 && Number.isInteger(K) && K >= 1)) {
  console.error("synthetic_episode_ceiling: --episodes and --shots must be integers >= 1");
  Deno.exit(2);
}
const family = new SyntheticClassification({
  ways: N,
  shots: K,
  queryPerClass: Q,
  difficulty: 0.9,
  familySeed: 0,
});
const s = deriveSeed(deriveSeed(Number(values.seed), 0), values.tag!) >>> 0;
const { spread, noise } = family;
const c = spread ** 2 / (spread ** 2 + noise ** 2 / K);
const batch = family.sampleEpisodes(s, E);
const map = syntheticMap(0, H, L, D);
const per = N * (K + Q);
let correct = 0;
let worst = 0;
for (let e = 0; e < E; e++) {
  const proto = Array.from({ length: N * L }, (_, i) => spread * rngNormal(s, e, i, 0));
  const latent = (i: number, k: number) =>
    Array.from({ length: L }, (_, j) => proto[k * L + j]! + noise * rngNormal(s, e, i * L + j, 1));
  const z = Array.from(
    { length: per },
    (_, i) => latent(i, i < N * K ? Math.floor(i / K) : Math.floor((i - N * K) / Q)),
  );
  // The check: the map of each latent point against the family's input (input noise 0.05).
  for (let i = 0; i < per; i++) {
    for (let m = 0; m < D; m++) {
      let acc = map.b2[m]!;
      for (let a = 0; a < H; a++) {
        let h = map.b1[a]!;
        for (let j = 0; j < L; j++) h += map.w1[a * L + j]! * z[i]![j]!;
        acc += map.w2[m * H + a]! * Math.tanh(h);
      }
      worst = Math.max(worst, Math.abs(acc - batch.dataset.x[(e * per + i) * D + m]!));
    }
  }
  const centre = Array.from({ length: N }, (_, k) =>
    Array.from({ length: L }, (_, j) => {
      let sum = 0;
      for (let t = 0; t < K; t++) sum += z[k * K + t]![j]!;
      return c * sum / K;
    }));
  for (let k = 0; k < N; k++) {
    for (let q = 0; q < Q; q++) {
      const p = z[N * K + k * Q + q]!;
      let best = 0;
      let bestD = Infinity;
      for (let m = 0; m < N; m++) {
        let d = 0;
        for (let j = 0; j < L; j++) d += (p[j]! - centre[m]![j]!) ** 2;
        if (d < bestD) (bestD = d, best = m);
      }
      if (best === k) correct++;
    }
  }
}
if (worst > 0.5) {
  console.error(`synthetic_episode_ceiling: latents do not reproduce the inputs (off by ${worst})`);
  Deno.exit(1);
}
console.log(
  `${values.tag} pool of seed ${values.seed}, ${E} episodes, ${K}-shot: latent Bayes rule ${
    (100 * correct / (E * N * Q)).toFixed(2)
  }% (latents reproduce the inputs within ${worst.toFixed(3)})`,
);
