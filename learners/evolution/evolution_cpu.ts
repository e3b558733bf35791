/**
 * Plain-loop TypeScript twins of the evolution kernels (shaders/evolve_*.wgsl): the specification
 * the WGSL must match. Each function reads and writes the same arrays, with the same layout and
 * the same RNG counters, as its kernel. Integer outputs (ranks, orders, parents, flags) match bit
 * for bit; floats within a mixed tolerance (f32 on the GPU, f64 with f32 stores here).
 * @module
 */
import { rngInt, rngNormal, rngUniform } from "../../core/rng.ts";
import { GENOME, GENOME_STRIDE } from "./genome_layout.ts";
import { KNOB, KNOB_STRIDE } from "../optimizers/knobs.ts";
import { METRIC, METRIC_STRIDE } from "../metrics_row.ts";
import {
  bitsToF32,
  type EvolveArrays,
  type EvolveDims,
  f32ToBits,
  FLAG_CROSS,
  FLAG_ELITE,
  FLAG_ORPHAN,
  HIST,
  MODEL_INVALID,
  NEG_BIG,
  PURPOSE,
} from "./evolution_arrays.ts";

import { counter, f32 } from "./_evolution_cpu_common.ts";
import { PROBE_STEP } from "./evolution_plan.ts";
import { BLOCK, EVOLVE_ROW, HISTORY, INFO, PARENT, SEG } from "./evolution_rows.ts";

export * from "./evolution_arrays.ts";
export * from "./evolution_fitness_cpu.ts";

/** Twin of evolve_shape.wgsl. */
export function shapeCpu(d: EvolveDims, a: EvolveArrays): void {
  for (let p = 0; p < d.P; p++) {
    const s = Math.floor(p / d.M);
    const base = s * d.M;
    const fp = a.fitness[p]!;
    const vp = a.flags[p] === 0;
    let nValid = 0;
    let rank = 0;
    let invalidBefore = 0;
    for (let j = 0; j < d.M; j++) {
      const q = base + j;
      if (a.flags[q] === 0) {
        nValid++;
        const fq = a.fitness[q]!;
        if (vp && (fq > fp || (fq === fp && q < p))) rank++;
      } else if (q < p) invalidBefore++;
    }
    if (!vp) rank = nValid + invalidBefore;
    a.order[base + rank] = p;
    const g0 = s * GENOME_STRIDE;
    const radius = a.genome[g0 + GENOME.nicheRadius]!;
    const bonus = a.genome[g0 + GENOME.diversityBonus]!;
    const capacity = a.genome[g0 + GENOME.nicheCapacity]!;
    let niche = 1;
    let sumD = 0;
    let cnt = 0;
    if (vp) {
      for (let j = 0; j < d.M; j++) {
        const q = base + j;
        if (q === p || a.flags[q] !== 0) continue;
        let acc = 0;
        for (let k = 0; k < d.D; k++) {
          const diff = a.params[p * d.stride + k]! - a.params[q * d.stride + k]!;
          acc += diff * diff;
        }
        const dist = Math.sqrt(acc / d.D);
        sumD += dist;
        cnt++;
        if (radius > 0) niche += Math.max(0, 1 - dist / radius);
      }
    }
    const md = cnt > 0 ? sumD / cnt : 0;
    const share = Math.max(1, f32(niche / capacity));
    a.info[p * EVOLVE_ROW + INFO.shaped] = vp
      ? (nValid - rank) / nValid / share + (bonus * md) / (1 + md)
      : 0;
    a.info[p * EVOLVE_ROW + INFO.rank] = rank;
    a.info[p * EVOLVE_ROW + INFO.nValid] = nValid;
    a.info[p * EVOLVE_ROW + INFO.meanDist] = md;
  }
}

/** Twin of evolve_stats.wgsl. */
export function statsCpu(d: EvolveDims, a: EvolveArrays): void {
  const gen = a.clock[0]!;
  for (let s = 0; s < d.S; s++) {
    const base = s * d.M;
    let best = NEG_BIG;
    let sum = 0;
    let nValid = 0;
    let divSum = 0;
    let succ = 0;
    let den = 0;
    let nDiverged = 0;
    for (let j = 0; j < d.M; j++) {
      const p = base + j;
      if (a.flags[p] === MODEL_INVALID) nDiverged++;
      if (a.flags[p] !== 0) continue;
      const f = a.fitness[p]!;
      best = Math.max(best, f);
      sum += f;
      nValid++;
      divSum += a.info[p * EVOLVE_ROW + INFO.meanDist]!;
      const pf = a.parents[p * EVOLVE_ROW + PARENT.flags]!;
      if (gen > 0 && (pf & (FLAG_ELITE | FLAG_ORPHAN)) === 0) {
        den++;
        if (f > bitsToF32(a.parents[p * EVOLVE_ROW + PARENT.fitnessBits]!)) succ++;
      }
    }
    const success = den > 0 ? f32(succ / den) : 0;
    let scale = 1;
    let bestSoFar = best;
    if (gen > 0) {
      scale = a.segState[s * EVOLVE_ROW + SEG.sigmaScale]!;
      bestSoFar = Math.max(a.segState[s * EVOLVE_ROW + SEG.bestSoFar]!, best);
      if (a.genome[s * GENOME_STRIDE + GENOME.mutation] === 1 && den > 0) {
        if (success > f32(0.2)) scale = Math.min(f32(scale * f32(1.22)), 1000);
        else if (success < f32(0.2)) scale = Math.max(f32(scale * f32(0.82)), f32(0.001));
      }
    }
    a.segState[s * EVOLVE_ROW + SEG.sigmaScale] = scale;
    a.segState[s * EVOLVE_ROW + SEG.successRate] = success;
    a.segState[s * EVOLVE_ROW + SEG.bestSoFar] = bestSoFar;
    const div = nValid > 0 ? f32(divSum / nValid) : 0;
    a.segState[s * EVOLVE_ROW + SEG.diversityMult] =
      div < a.genome[s * GENOME_STRIDE + GENOME.diversityThreshold]! ? 2 : 1;
    if (gen < d.histCap) {
      const h = (gen * d.S + s) * HIST;
      a.history[h + HISTORY.best] = best;
      a.history[h + HISTORY.mean] = nValid > 0 ? sum / nValid : 0;
      a.history[h + HISTORY.valid] = nValid;
      a.history[h + HISTORY.diverged] = nDiverged;
      a.history[h + HISTORY.diversity] = div;
      a.history[h + HISTORY.sigmaScale] = scale;
      a.history[h + HISTORY.successRate] = success;
      a.history[h + HISTORY.bestSoFar] = bestSoFar;
    }
  }
}

/** Key of child c's random numbers: its segment's stream (GENOME.rngStream) times M plus its index. */
function rngModel(d: EvolveDims, a: EvolveArrays, c: number): number {
  const s = Math.floor(c / d.M);
  return a.genome[s * GENOME_STRIDE + GENOME.rngStream]! * d.M + (c - s * d.M);
}

function pick(
  d: EvolveDims,
  a: EvolveArrays,
  rc: number,
  base: number,
  nValid: number,
  g0: number,
  gen: number,
  purpose: number,
): number {
  const kind = a.genome[g0 + GENOME.selection]!;
  const ctr = counter(gen, purpose);
  const order = a.order;
  const shaped = (q: number): number => a.info[q * EVOLVE_ROW + INFO.shaped]!;
  if (kind === 0) {
    const k = a.genome[g0 + GENOME.tournamentSize]!;
    let best = order[base + rngInt(d.seed, rc, nValid, 0, ctr)]!;
    for (let j = 1; j < k; j++) {
      const q = order[base + rngInt(d.seed, rc, nValid, j, ctr)]!;
      if (shaped(q) > shaped(best) || (shaped(q) === shaped(best) && q < best)) best = q;
    }
    return best;
  }
  if (kind === 1) {
    let total = 0;
    for (let r = 0; r < nValid; r++) total = f32(total + shaped(order[base + r]!));
    if (!(total > 0)) return order[base + rngInt(d.seed, rc, nValid, 0, ctr)]!;
    const x = f32(rngUniform(d.seed, rc, 0, ctr) * total);
    let acc = 0;
    for (let r = 0; r < nValid; r++) {
      acc = f32(acc + shaped(order[base + r]!));
      if (x < acc) return order[base + r]!;
    }
    return order[base + nValid - 1]!;
  }
  if (kind === 2) {
    if (nValid === 1) return order[base]!;
    const sp = a.genome[g0 + GENOME.rankPressure]!;
    const x = f32(rngUniform(d.seed, rc, 0, ctr) * nValid);
    let acc = 0;
    for (let r = 0; r < nValid; r++) {
      const t = f32(f32(f32(2 * f32(sp - 1)) * r) / (nValid - 1));
      acc = f32(acc + f32(sp - t));
      if (x < acc) return order[base + r]!;
    }
    return order[base + nValid - 1]!;
  }
  const nt = Math.max(
    1,
    Math.min(nValid, Math.ceil(f32(a.genome[g0 + GENOME.truncationRatio]! * nValid))),
  );
  return order[base + rngInt(d.seed, rc, nt, 0, ctr)]!;
}

/** Writes child c's parents row: parents a and b, FLAG_* bits, and the parent's fitness (as bits). */
function setParents(
  a: EvolveArrays,
  c: number,
  [pa, pb, flags]: [number, number, number],
  fitness: number,
): void {
  const r = c * EVOLVE_ROW;
  a.parents[r + PARENT.a] = pa;
  a.parents[r + PARENT.b] = pb;
  a.parents[r + PARENT.flags] = flags;
  a.parents[r + PARENT.fitnessBits] = f32ToBits(fitness);
}

/** Twin of evolve_select.wgsl. */
export function selectCpu(d: EvolveDims, a: EvolveArrays): void {
  const gen = a.clock[0]!;
  for (let c = 0; c < d.P; c++) {
    const s = Math.floor(c / d.M);
    const base = s * d.M;
    const i = c - base;
    const g0 = s * GENOME_STRIDE;
    const rc = rngModel(d, a, c);
    const nValid = a.info[base * EVOLVE_ROW + INFO.nValid]!;
    if (nValid === 0) {
      setParents(a, c, [c, c, FLAG_ORPHAN], NEG_BIG);
      a.sigmaNext[c] = a.sigma[c]!;
      continue;
    }
    const elites = Math.min(a.genome[g0 + GENOME.elites]!, nValid);
    a.metrics[METRIC_STRIDE * c + METRIC.quarantined] = 0;
    if (i < elites) {
      const e = a.order[base + i]!;
      setParents(a, c, [e, e, FLAG_ELITE], a.fitness[e]!);
      a.sigmaNext[c] = a.sigma[e]!;
      continue;
    }
    const pa = pick(d, a, rc, base, nValid, g0, gen, PURPOSE.parentA);
    const pb = pick(d, a, rc, base, nValid, g0, gen, PURPOSE.parentB);
    const cross =
      rngUniform(d.seed, rc, 0, counter(gen, PURPOSE.cross)) < a.genome[g0 + GENOME.crossoverRate]!;
    const pf = cross ? Math.max(a.fitness[pa]!, a.fitness[pb]!) : a.fitness[pa]!;
    setParents(a, c, [pa, pb, cross ? FLAG_CROSS : 0], pf);
    let sg = a.sigma[pa]!;
    if (a.genome[g0 + GENOME.mutation] === 2) {
      const tau = 1 / Math.sqrt(2 * Math.sqrt(d.D));
      sg = Math.min(
        1000,
        Math.max(0.001, sg * Math.exp(tau * rngNormal(d.seed, rc, 0, counter(gen, PURPOSE.sigma)))),
      );
    }
    a.sigmaNext[c] = sg;
  }
}

function blockOf(a: EvolveArrays, nBlocks: number, k: number): number {
  let b = 0;
  for (let j = 1; j < nBlocks; j++) if (k >= a.blocks[j * EVOLVE_ROW + BLOCK.offset]!) b = j;
  return b;
}

/** Twin of evolve_breed.wgsl. */
export function breedCpu(d: EvolveDims, a: EvolveArrays): void {
  const gen = a.clock[0]!;
  for (let c = 0; c < d.P; c++) {
    const s = Math.floor(c / d.M);
    const g0 = s * GENOME_STRIDE;
    const rc = rngModel(d, a, c);
    const pa0 = a.parents[c * EVOLVE_ROW + PARENT.a]!;
    const pb0 = a.parents[c * EVOLVE_ROW + PARENT.b]!;
    const fl = a.parents[c * EVOLVE_ROW + PARENT.flags]!;
    const out = c * d.stride;
    if (fl & FLAG_ORPHAN) {
      for (let k = 0; k < d.D; k++) a.next[out + k] = a.params[out + k]!;
      continue;
    }
    if (fl & FLAG_ELITE) {
      for (let k = 0; k < d.D; k++) a.next[out + k] = a.params[pa0 * d.stride + k]!;
      continue;
    }
    const cross = (fl & FLAG_CROSS) !== 0;
    const ck = a.genome[g0 + GENOME.crossover]!;
    const mk = a.genome[g0 + GENOME.mutation]!;
    const rate = a.genome[g0 + GENOME.mutationRate]!;
    let sig = a.genome[g0 + GENOME.mutationStrength]!;
    if (mk === 1) sig *= a.segState[s * EVOLVE_ROW + SEG.sigmaScale]!;
    if (mk === 2) sig *= a.sigmaNext[c]!;
    sig *= a.segState[s * EVOLVE_ROW + SEG.diversityMult]!;
    const resetFrac = a.genome[g0 + GENOME.resetFraction]!;
    const r = a.genome[g0 + GENOME.lowRank]!;
    let w = 0.5;
    if (ck === 3) {
      const sa = a.info[pa0 * EVOLVE_ROW + INFO.shaped]!;
      const sb = a.info[pb0 * EVOLVE_ROW + INFO.shaped]!;
      if (f32(sa + sb) > 0) w = sa / (sa + sb);
    }
    const bsel = mk === 4
      ? rngInt(d.seed, rc, d.nBlocks, 0, counter(gen, PURPOSE.lowRankBlock))
      : 0;
    for (let k = 0; k < d.D; k++) {
      const pa = a.params[pa0 * d.stride + k]!;
      let x = pa;
      const blk = blockOf(a, d.nBlocks, k);
      if (cross) {
        const pb = a.params[pb0 * d.stride + k]!;
        if (ck === 0) x = 0.5 * (pa + pb);
        else if (ck === 1) {
          if (rngUniform(d.seed, rc, k, counter(gen, PURPOSE.mask)) >= 0.5) x = pb;
        } else if (ck === 2) {
          if (rngUniform(d.seed, rc, blk, counter(gen, PURPOSE.mask)) >= 0.5) x = pb;
        } else x = w * pa + (1 - w) * pb;
      }
      if (mk <= 2) {
        if (rngUniform(d.seed, rc, k, counter(gen, PURPOSE.mutCoin)) < rate) {
          x += sig * rngNormal(d.seed, rc, k, counter(gen, PURPOSE.mutNormal));
        }
      } else if (mk === 3) {
        if (rngUniform(d.seed, rc, k, counter(gen, PURPOSE.mutCoin)) < resetFrac) {
          x = bitsToF32(a.blocks[blk * EVOLVE_ROW + BLOCK.resetStdBits]!) *
            rngNormal(d.seed, rc, k, counter(gen, PURPOSE.reset));
        }
      } else if (blk === bsel) {
        const cols = a.blocks[blk * EVOLVE_ROW + BLOCK.cols]!;
        const e = k - a.blocks[blk * EVOLVE_ROW + BLOCK.offset]!;
        const row = Math.floor(e / cols);
        const col = e - row * cols;
        let acc = 0;
        for (let j = 0; j < r; j++) {
          acc += rngNormal(d.seed, rc, row * 4 + j, counter(gen, PURPOSE.lowRankU)) *
            rngNormal(d.seed, rc, col * 4 + j, counter(gen, PURPOSE.lowRankV));
        }
        x += (sig * acc) / Math.sqrt(r);
      }
      a.next[out + k] = x;
    }
  }
}

/** Twin of evolve_knobs.wgsl for gradient step `step` of the current generation. */
export function knobsCpu(d: EvolveDims, a: EvolveArrays, step: number): void {
  const gen = a.clock[0]!;
  for (let p = 0; p < d.P; p++) {
    const g0 = Math.floor(p / d.M) * GENOME_STRIDE;
    const sched = a.genome[g0 + GENOME.lrSchedule]!;
    const G = d.generations;
    const t = gen / Math.max(1, G - 1);
    let mult = 1;
    if (sched === 1) mult = 0.5 * (1 + Math.cos(Math.PI * t));
    else if (sched === 2) mult = t >= 0.75 ? 0.09 : t >= 0.5 ? 0.3 : 1;
    else if (sched === 3) mult = Math.min(1, (gen + 1) / Math.max(1, 0.2 * G));
    const kb = p * KNOB_STRIDE;
    const own = step < a.genome[g0 + GENOME.gradSteps]!;
    a.knobs[kb + KNOB.lr] = own ? a.genome[g0 + GENOME.lr]! * mult : 0;
    a.knobs[kb + KNOB.hold] = !own && step < PROBE_STEP ? 1 : 0;
    a.knobs[kb + KNOB.weightDecay] = 0;
    a.knobs[kb + KNOB.clipNorm] = a.genome[g0 + GENOME.clipNorm]!;
    a.knobs[kb + KNOB.optimizer] = 0;
    a.knobs[kb + KNOB.labelSmoothing] = a.genome[g0 + GENOME.labelSmoothing]!;
    a.knobs[kb + KNOB.gradTransform] = a.genome[g0 + GENOME.gradTransform]!;
  }
}

/** Copies the children into the parameters and their sigma into sigma (the commit step). */
export function commitCpu(d: EvolveDims, a: EvolveArrays): void {
  a.params.set(a.next.subarray(0, d.P * d.stride));
  a.sigma.set(a.sigmaNext);
}
