// The registry's looped smoke test, convergence on sphere and ellipsoid at D = 10 (CPU twins) and
// CMA-ES's rotation invariance.
import { equal, ok } from "node:assert/strict";
import { getStrategy, STRATEGIES } from "../../../learners/strategies/registry.ts";
import { askCpu } from "../../../learners/strategies/strategy.ts";
import { cmaEs, minimize } from "../../../learners/strategies/minimize.ts";
import { randomOrthogonal } from "../../../learners/tasks/_linalg.ts";
import { symmetricEigen } from "../../../learners/strategies/_eigen.ts";
import { assertClose } from "../../helpers.ts";

const sphere = (xs: Float64Array, n: number, d: number) =>
  Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += xs[i * d + j]! ** 2;
    return s;
  });
/** Ellipsoid with condition number 1e6 (BBOB f2's coefficients). */
const ellipsoid = (xs: Float64Array, n: number, d: number) =>
  Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += 1e6 ** (j / (d - 1)) * xs[i * d + j]! ** 2;
    return s;
  });

/** `name` from (1, ..., 1) with sigma 0.5 at D = 10 to the target 1e-8. */
const solve = (
  name: string,
  fn: typeof sphere,
  o: { seed: number; maxEvals: number; params?: Record<string, number> },
) => minimize(name, fn, { dim: 10, mean: 1, sigma: 0.5, target: 1e-8, ...o });

for (const name of Object.keys(STRATEGIES)) {
  Deno.test(`${name} smoke: 3 instances run 5 generations, every mean moves downhill, metrics finite`, () => {
    const strategy = getStrategy(name);
    const config = { instances: 3, dim: 5, popSize: 8 };
    const params = strategy.defaultParams(config);
    const state = strategy.init(config, params, { mean: 1, sigma: 0.5, seed: 2 });
    for (let g = 0; g < 5; g++) {
      const batch = askCpu(config, state, strategy.antithetic);
      const f = Float64Array.from(sphere(batch.x, 24, 5));
      const { metrics } = strategy.tell(config, params, state, batch, f);
      for (const v of Object.values(metrics)) ok(Number.isFinite(v));
      equal(metrics.generation, g + 1);
    }
    // The sphere at the start mean (1, ..., 1) is 5; every instance's mean is now lower.
    const atMean = sphere(state.mean, 3, 5);
    for (let s = 0; s < 3; s++) ok(atMean[s]! < 5, `instance ${s}: ${atMean[s]}`);
  });
}

// Budgets: CMA-ES, SNES and PGPE with their papers' defaults in 2e4 = 2e3 * D evaluations at most
// (Hansen's usual budget for these functions is ~1e3 * D); measured today at D = 10 (seed 1):
// CMA-ES 1300 / 5840, SNES 1690 / 2500, PGPE 1970 / 3230 evaluations on sphere / ellipsoid.
for (const name of ["cma-es", "snes", "pgpe"]) {
  for (const [fname, fn] of [["sphere", sphere], ["ellipsoid", ellipsoid]] as const) {
    Deno.test(`${name} reaches 1e-8 on the ${fname} at D=10 within 2e4 evaluations`, () => {
      for (const seed of [1, 2, 3]) {
        const r = solve(name, fn, { seed, maxEvals: 20000 });
        ok(r.value <= 1e-8, `${name} ${fname} seed ${seed}: ${r.value} after ${r.evaluations}`);
      }
    });
  }
}

// OpenAI-ES keeps sigma fixed in its paper, which bounds its precision: with sigma and step size
// decaying by 0.99 per generation (a setting evosax exposes), it reaches 1e-8 on the sphere.
Deno.test("openai-es reaches 1e-8 on the sphere at D=10 with decaying sigma and step size", () => {
  const params = { sigmaDecay: 0.99, lrDecay: 0.99, lr: 0.05 };
  const r = solve("openai-es", sphere, { seed: 1, maxEvals: 20000, params });
  ok(r.value <= 1e-8, `${r.value} after ${r.evaluations}`);
});

// OpenAI-ES samples isotropically, so on the 1e6-conditioned ellipsoid the flat coordinates' share of
// the rank signal is about 1e-6 of the steep ones': its cost grows with the conditioning, and it
// needs sigma shrinking faster than the Adam step. Measured 2026-12-02 (D = 10, start 1, sigma 0.5):
// at 1e5 * D evaluations the best of 24 schedules reached 4.8e-2 (seed 1); with Adam step 0.01,
// sigma decay 0.99995 and step decay 0.99998 per generation it reaches 1e-8 in 4.97e6 / 6.02e6 /
// 5.71e6 evaluations (seeds 1 / 2 / 3), within 1e6 * D (BBOB's largest usual budget; CMA-ES needs
// 584 * D). The schedule was found on seed 1; this test runs seed 3 (about 30-60 s here).
Deno.test("openai-es reaches 1e-8 on the ellipsoid at D=10 within 1e6*D evaluations", () => {
  const params = { lr: 0.01, sigmaDecay: 0.99995, lrDecay: 0.99998 };
  const r = solve("openai-es", ellipsoid, { seed: 3, maxEvals: 1e7, params });
  ok(r.value <= 1e-8, `${r.value} after ${r.evaluations}`);
});

/** Evaluations to 1e-8 on the plain and on a rotated ellipsoid (seeds 1-3; 20000 when unsolved). */
function rotationRuns(params: Record<string, number>) {
  const d = 10;
  const q = randomOrthogonal(5, 0, d);
  const rotated = (xs: Float64Array, n: number) => {
    const ys = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let r = 0; r < d; r++) {
        let s = 0;
        for (let c = 0; c < d; c++) s += q[r * d + c]! * xs[i * d + c]!;
        ys[i * d + r] = s;
      }
    }
    return ellipsoid(ys, n, d);
  };
  const run = (fn: typeof ellipsoid) =>
    [1, 2, 3].map((seed) =>
      cmaEs(fn, { dim: d, mean: 1, sigma: 0.5, target: 1e-8, maxEvals: 20000, seed, params })
    );
  const mean = (rs: { evaluations: number }[]) =>
    rs.reduce((a, r) => a + r.evaluations, 0) / rs.length;
  const plain = run(ellipsoid);
  const rot = run(rotated);
  return {
    solved: [...plain, ...rot].every((r) => r.value <= 1e-8),
    ratio: mean(rot) / mean(plain),
    text: `${mean(rot)} vs ${mean(plain)} evaluations`,
  };
}

Deno.test("cmaEs() is rotation-invariant: same evaluations on a rotated ellipsoid", () => {
  const r = rotationRuns({});
  ok(r.solved, r.text);
  // Rotation changes nothing for CMA-ES but the sampled path; within 25% on average over 3 seeds.
  ok(Math.abs(r.ratio - 1) < 0.25, r.text);
});

// The control that shows the check above can fail: sep-CMA-ES (diagonal covariance) is not
// rotation-invariant. Measured 2026-12-02: 4580-5040 evaluations on the plain ellipsoid, and the
// rotated one unsolved at 20000 (best 33-120).
Deno.test("sep-CMA-ES fails the same rotation check: the rotated ellipsoid is unsolved", () => {
  const r = rotationRuns({ separable: 1 });
  ok(!r.solved && r.ratio > 2, r.text);
});

Deno.test("symmetricEigen() reconstructs a seeded symmetric matrix", () => {
  const n = 9;
  const q = randomOrthogonal(3, 1, n);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      for (let k = 0; k < n; k++) {
        a[i * n + j] = a[i * n + j]! + q[k * n + i]! * (k + 1) * q[k * n + j]!;
      }
    }
  }
  const { values, vectors } = symmetricEigen(a, n);
  const back = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      for (let k = 0; k < n; k++) {
        back[i * n + j] = back[i * n + j]! + vectors[i * n + k]! * values[k]! * vectors[j * n + k]!;
      }
    }
  }
  assertClose(back, a, { atol: 1e-10, rtol: 1e-10, what: "V diag(values) V^T" });
  assertClose(Array.from(values).sort((x, y) => x - y), [1, 2, 3, 4, 5, 6, 7, 8, 9], {
    atol: 1e-10,
    rtol: 0,
  });
});
