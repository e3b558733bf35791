// attributionVerdict: which gene groups the attribution shows to matter, and the seeds it needs;
// the paired design (attributeWith) on a planted effect; common random numbers in scoreGenomes.
import { deepEqual, equal, notDeepStrictEqual, ok } from "node:assert/strict";
import { Rng } from "../../../core/rng.ts";
import type { Backend } from "../../../learners/backend.ts";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import { gpuTest } from "../../helpers.ts";
import { BASELINE_GENOME } from "../../../learners/evolution/evolution_genome.ts";
import { attributeWith, attributionVerdict } from "../../../meta/evolution/attribution.ts";
import { TASK_LIBRARY } from "../../../meta/evolution/evolve_config.ts";
import { scoreGenomes } from "../../../meta/evolution/score_genomes.ts";

Deno.test("attributionVerdict() shows a gene only when the CI excludes 0, with the seeds to detect 0.05", () => {
  const s = (mean: number, lo: number, hi: number) => ({
    n: 5,
    mean,
    std: 0,
    ci95Low: lo,
    ci95High: hi,
  });
  equal(attributionVerdict(s(0.1, 0.02, 0.18)).verdict, "matters");
  equal(attributionVerdict(s(-0.06, -0.12, -0.001)).verdict, "hurts");
  equal(attributionVerdict(s(0, 0, 0)).verdict, "no effect");
  const v = attributionVerdict(s(0.03, -0.07, 0.13));
  equal(v.verdict, "not shown");
  // Half-width 0.1: detectable 0.143; 5 * (0.143 / 0.05)^2 = 40.9 -> 41 seeds.
  ok(Math.abs(v.detectable - 0.143) < 1e-12);
  equal(v.seedsFor, 41);
});

// The paired design finds a planted effect: a synthetic scorer where reverting mutationRate costs
// 0.05 meta-fitness and reverting clipNorm costs nothing, with a large seed-to-seed effect (sd 0.1,
// shared by every variant of a seed, as the tasks and random streams are) and a small per-variant
// noise (sd 0.01). Over 200 replications of a 5-seed attribution, the 0.05 gene is shown to matter
// in at least 95% and the null gene in at most 10% (its CI misses 0 in 5% by design).
Deno.test("attributeWith() detects a gene that matters by 0.05 and not a null gene (5 seeds)", async () => {
  const best = { ...BASELINE_GENOME, mutationRate: 0.3, clipNorm: 2 };
  const rng = new Rng(11, 0);
  const shown = { mutationRate: 0, clipNorm: 0 };
  let unpairedWide = 0;
  const reps = 200;
  for (let rep = 0; rep < reps; rep++) {
    const r = await attributeWith(best, 5, (variants) => {
      const seedEffect = 0.4 + 0.1 * rng.normal();
      return Promise.resolve(
        variants.map((v) => seedEffect + (v.mutationRate === 0.3 ? 0.05 : 0) + 0.01 * rng.normal()),
      );
    });
    deepEqual(r.rows.map((x) => x.group), ["mutationRate", "clipNorm"]);
    for (const row of r.rows) {
      const v = attributionVerdict(row.delta);
      if (v.verdict !== "not shown") shown[row.group as keyof typeof shown]++;
      if (row.group === "mutationRate") ok(v.detectable < 0.05, `detectable ${v.detectable}`);
    }
    // Unpaired, the seed effect would swamp 0.05: the best genome's own CI is wider than 0.1.
    if (r.best.ci95High - r.best.ci95Low > 0.1) unpairedWide++;
  }
  ok(shown.mutationRate >= 0.95 * reps, `planted gene shown in ${shown.mutationRate} of ${reps}`);
  ok(shown.clipNorm <= 0.1 * reps, `null gene shown in ${shown.clipNorm} of ${reps}`);
  ok(unpairedWide >= 0.8 * reps, `unpaired CI wider than 0.1 in ${unpairedWide} of ${reps}`);
});

// Common random numbers in the engine: two equal genomes scored together score exactly alike (same
// tasks, initial populations, selection, breeding and minibatch streams), on objective and neural
// tasks, so an attribution delta is zero unless the reverted genes change something.
async function checkCommonNumbers(backend: Backend) {
  const tasks = ["sphere-8", "mlp-4way"].map((n) => TASK_LIBRARY[n]!);
  const g = { ...BASELINE_GENOME, mutationStrength: 0.3, gradSteps: 1 };
  const o = { modelsPerSegment: 6, generations: 5, replicates: 2, seed: 1 };
  const r = await scoreGenomes(backend, [g, { ...BASELINE_GENOME }, g], tasks, o);
  deepEqual(r.scores[2]!.tasks, r.scores[0]!.tasks);
  notDeepStrictEqual(r.scores[1]!.tasks, r.scores[0]!.tasks);
}

Deno.test("scoreGenomes() gives equal genomes exactly equal scores (common random numbers)", async () => {
  await checkCommonNumbers(new CpuBackend());
});

gpuTest("scoreGenomes() on the GPU gives equal genomes exactly equal scores", async (ctx) => {
  await checkCommonNumbers(await GpuBackend.create(ctx));
});

// A genome's scores do not depend on the genomes scored beside it: the probe step of a neural
// generation reads the same draw whatever the run's largest gradSteps gene (before, it read draw
// max(gradSteps), and the GA's held-out score on mlp-4way-b moved from 0.30 to 0.51 with its partner).
async function checkPartnerFree(backend: Backend) {
  const tasks = ["mlp-4way"].map((n) => TASK_LIBRARY[n]!);
  const o = { modelsPerSegment: 6, generations: 5, replicates: 2, seed: 3 };
  for (const g of [{ ...BASELINE_GENOME }, { ...BASELINE_GENOME, gradSteps: 2 }]) {
    const scores = [];
    for (const gradSteps of [0, 1, 6]) {
      const partner = { ...BASELINE_GENOME, mutationStrength: 0.4, gradSteps };
      scores.push((await scoreGenomes(backend, [partner, g], tasks, o)).scores[1]!.tasks);
    }
    deepEqual(scores[1], scores[0]);
    deepEqual(scores[2], scores[0]);
  }
}

Deno.test("scoreGenomes(): a genome scores alike beside partners of any gradSteps", async () => {
  await checkPartnerFree(new CpuBackend());
});

gpuTest("scoreGenomes() on the GPU: a genome scores alike beside any partners", async (ctx) => {
  await checkPartnerFree(await GpuBackend.create(ctx));
});
