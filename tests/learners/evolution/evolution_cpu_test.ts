import assert from "node:assert/strict";
import { Rng } from "../../../core/rng.ts";
import {
  breedCpu,
  createEvolveArrays,
  FLAG_CROSS,
  FLAG_ELITE,
  FLAG_ORPHAN,
  HIST,
  MODEL_INACTIVE,
  MODEL_INVALID,
  neuralFitnessCpu,
  selectCpu,
  shapeCpu,
  statsCpu,
} from "../../../learners/evolution/evolution_cpu.ts";
import {
  BASELINE_GENOME,
  packGenomeTable,
  type StrategyGenome,
} from "../../../learners/evolution/evolution_genome.ts";
import { evolveDims, makeCase } from "./_evolution_cases.ts";

Deno.test("selectCpu() never picks a quarantined model as a parent or an elite; elites are bit-exact copies", () => {
  const { d, a } = makeCase(20, 9, 13, 5);
  breedCpu(d, a);
  let elites = 0;
  let cross = 0;
  let orphans = 0;
  for (let c = 0; c < d.P; c++) {
    const [pa, pb, fl] = [a.parents[4 * c]!, a.parents[4 * c + 1]!, a.parents[4 * c + 2]!];
    if (fl & FLAG_ORPHAN) {
      orphans++;
      continue;
    }
    assert.equal(a.flags[pa], 0, `child ${c}: parent a ${pa} is quarantined`);
    assert.equal(a.flags[pb], 0, `child ${c}: parent b ${pb} is quarantined`);
    assert.equal(Math.floor(pa / d.M), Math.floor(c / d.M), "parent from another segment");
    if (fl & FLAG_CROSS) cross++;
    if (fl & FLAG_ELITE) {
      elites++;
      for (let k = 0; k < d.D; k++) {
        assert.ok(Object.is(a.next[c * d.stride + k], a.params[pa * d.stride + k]));
      }
    }
  }
  assert.equal(orphans, d.M, "the fully quarantined segment keeps its models");
  assert.ok(elites > 0 && cross > 0);
  // Stats count the quarantined models (flag 1), not the inactive ones (flag 2).
  const h = a.history;
  let diverged = 0;
  for (let s = 0; s < d.S; s++) diverged += h[(1 * d.S + s) * HIST + 3]!;
  let flagged = 0;
  for (let p = 0; p < d.P; p++) flagged += a.flags[p] === MODEL_INVALID ? 1 : 0;
  assert.equal(diverged, flagged);
});

Deno.test("selectCpu() tournament picks the segment's best with probability 1-(1-1/n)^k", () => {
  const M = 8;
  const S = 500;
  const d = evolveDims(S, M, 4, { seed: 3 });
  const a = createEvolveArrays(d);
  const g: StrategyGenome = { ...BASELINE_GENOME, tournamentSize: 2, elitismRatio: 0 };
  a.genome.set(packGenomeTable(Array.from({ length: S }, () => g), M));
  for (let p = 0; p < d.P; p++) a.fitness[p] = p % M;
  shapeCpu(d, a);
  selectCpu(d, a);
  let best = 0;
  for (let c = 0; c < d.P; c++) if (a.parents[4 * c]! % M === M - 1) best++;
  const want = 1 - (1 - 1 / M) ** 2;
  const got = best / d.P;
  const se = Math.sqrt((want * (1 - want)) / d.P);
  assert.ok(Math.abs(got - want) < 4 * se, `got ${got}, want ${want} +- ${4 * se}`);
});

Deno.test("selectCpu() keeps self-adaptive sigma positive over many generations", () => {
  const { d, a } = makeCase(20, 9, 13, 8);
  for (let gen = 0; gen < 50; gen++) {
    a.clock[0] = gen;
    selectCpu(d, a);
    a.sigma.set(a.sigmaNext);
  }
  for (const s of a.sigma) assert.ok(s > 0 && Number.isFinite(s));
});

Deno.test("inactive models (populationSize) are never parents or elites and are not counted as diverged", () => {
  const M = 8;
  const S = 3;
  const d = evolveDims(S, M, 5, { seed: 17, histCap: 2, generations: 2 });
  const a = createEvolveArrays(d);
  const g: StrategyGenome = {
    ...BASELINE_GENOME,
    populationSize: 5,
    elitismRatio: 0.4,
    crossoverRate: 0.5,
  };
  a.genome.set(packGenomeTable([g, g, { ...g, populationSize: 64 }], M));
  const rng = new Rng(4, 1);
  for (let i = 0; i < a.params.length; i++) a.params[i] = rng.normal();
  for (let p = 0; p < d.P; p++) {
    // Inactive models get the best losses: they must still never be picked.
    a.metrics[4 * p] = p % M >= 5 ? 0 : 1 + rng.uniform();
    // Diverged: model 1 of every segment and model 6 (inactive in segments 0 and 1).
    a.metrics[4 * p + 2] = p % M === 1 || p % M === 6 ? 1 : 0;
  }
  a.clock[0] = 1;
  a.segState.fill(1);
  neuralFitnessCpu(d, a);
  shapeCpu(d, a);
  statsCpu(d, a);
  selectCpu(d, a);
  breedCpu(d, a);
  for (let p = 0; p < d.P; p++) {
    const s = Math.floor(p / M);
    const want = s < 2 && p % M >= 5
      ? MODEL_INACTIVE
      : p % M === 1 || p % M === 6
      ? MODEL_INVALID
      : 0;
    assert.equal(a.flags[p], want, `model ${p}`);
  }
  let elites = 0;
  for (let c = 0; c < d.P; c++) {
    const [pa, pb, fl] = [a.parents[4 * c]!, a.parents[4 * c + 1]!, a.parents[4 * c + 2]!];
    assert.equal(a.flags[pa], 0, `child ${c}: parent a ${pa} is not valid`);
    assert.equal(a.flags[pb], 0, `child ${c}: parent b ${pb} is not valid`);
    if (fl & FLAG_ELITE) elites++;
  }
  // Elites: round(0.4 * 5) = 2 per 5-model segment, round(0.4 * 8) = 3 in the full one.
  assert.equal(elites, 2 + 2 + 3);
  const row = (s: number, k: number) => a.history[(1 * S + s) * HIST + k]!;
  assert.deepEqual([row(0, 3), row(1, 3), row(2, 3)], [1, 1, 2]);
  assert.deepEqual([row(0, 2), row(1, 2), row(2, 2)], [4, 4, 6]);
});

Deno.test("diversityThreshold doubles the mutation sigma of the next generation below it", () => {
  const run = (threshold: number) => {
    const { d, a } = makeCase(4, 6, 9, 21);
    const g: StrategyGenome = {
      ...BASELINE_GENOME,
      mutation: "gaussian",
      mutationRate: 1,
      crossoverRate: 0,
      elitismRatio: 0,
      populationSize: 64,
      diversityThreshold: threshold,
    };
    a.genome.set(packGenomeTable([g, g, g, g], d.M));
    a.flags.fill(0);
    shapeCpu(d, a);
    statsCpu(d, a);
    selectCpu(d, a);
    breedCpu(d, a);
    return { d, a };
  };
  const off = run(0);
  const on = run(1);
  // Segment 1 is tight (diversity ~0.4 < 1); segment 0 is not (~1.4).
  const mult = (x: typeof off, s: number) => x.a.segState[4 * s + 3];
  assert.deepEqual([mult(off, 0), mult(off, 1), mult(on, 0), mult(on, 1)], [1, 1, 1, 2]);
  const { d } = off;
  let checked = 0;
  for (let c = d.M; c < 2 * d.M; c++) {
    const pa = off.a.parents[4 * c]!;
    assert.equal(on.a.parents[4 * c], pa);
    for (let k = 0; k < d.D; k++) {
      const x = off.a.params[pa * d.stride + k]!;
      const dOff = off.a.next[c * d.stride + k]! - x;
      const dOn = on.a.next[c * d.stride + k]! - x;
      assert.ok(Math.abs(dOn - 2 * dOff) < 1e-5 * (1 + Math.abs(x)), `child ${c} param ${k}`);
      checked++;
    }
  }
  assert.ok(checked > 0);
  // The random genomes of the kernel parity cases hit both multipliers.
  const { a } = makeCase(20, 13, 37, 24);
  const ms = new Set(Array.from({ length: 20 }, (_, s) => a.segState[4 * s + 3]));
  assert.deepEqual([...ms].sort(), [1, 2]);
});

Deno.test("nicheCapacity divides shaped fitness by max(1, niche / capacity)", () => {
  const M = 8;
  const d = evolveDims(4, M, 6, { seed: 2 });
  const a = createEvolveArrays(d);
  const g: StrategyGenome = { ...BASELINE_GENOME, nicheRadius: 5, diversityBonus: 0 };
  a.genome.set(packGenomeTable([
    { ...g, nicheRadius: 0 },
    { ...g, nicheCapacity: 1 },
    { ...g, nicheCapacity: 2 },
    { ...g, nicheCapacity: 20 },
  ], M));
  const rng = new Rng(9, 2);
  const base = Array.from({ length: M * d.stride }, () => 0.1 * rng.normal());
  for (let s = 0; s < 4; s++) a.params.set(base, s * M * d.stride);
  for (let p = 0; p < d.P; p++) a.fitness[p] = p % M;
  shapeCpu(d, a);
  for (let j = 0; j < M; j++) {
    const plain = a.info[4 * j]!;
    const c1 = a.info[4 * (M + j)]!;
    const niche = plain / c1;
    assert.ok(niche > 2, `niche ${niche}`);
    assert.ok(Math.abs(a.info[4 * (2 * M + j)]! - plain / Math.max(1, niche / 2)) < 1e-5);
    // Capacity 20 >= niche (at most M = 8): no sharing at all.
    assert.ok(Math.abs(a.info[4 * (3 * M + j)]! - plain) < 1e-6);
  }
});
