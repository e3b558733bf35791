/**
 * `StrategyGenome`: everything that says how one segment of a population evolves (selection,
 * mutation, crossover, fitness shaping, and the memetic learning rule), its packed row in the
 * genome buffer that the evolution kernels read, validation for genomes loaded from JSON, and the
 * gene table the meta level mutates (discrete genes re-drawn, continuous ones perturbed in log
 * space).
 * The packed row's layout is in genome_layout.ts.
 * @module
 */
import type { Rng } from "../../core/rng.ts";
import { GRAD_TRANSFORMS, type GradTransform } from "../optimizers/knobs.ts";
import { GENOME, GENOME_STRIDE } from "./genome_layout.ts";

/** Selection operators. */
export const SELECTIONS = ["tournament", "roulette", "rank", "truncation"] as const;
/** Mutation operators. */
export const MUTATIONS = ["gaussian", "adaptive", "self_adaptive", "reset", "low_rank"] as const;
/** Crossover operators. */
export const CROSSOVERS = ["average", "uniform", "layer_swap", "fitness_weighted"] as const;
/** Learning-rate schedules over generations. */
export const LR_SCHEDULES = ["constant", "cosine", "step", "warmup"] as const;
/** Gradient transforms of the memetic steps besides clipping: the names of `GRAD_TRANSFORMS`. */
export const GRAD_TRANSFORM_GENES = Object.keys(GRAD_TRANSFORMS) as readonly GradTransform[];
/** Gradient transform gene value. */
export type GradTransformGene = GradTransform;

/** One of `SELECTIONS`. */
export type SelectionKind = typeof SELECTIONS[number];
/** One of `MUTATIONS`. */
export type MutationKind = typeof MUTATIONS[number];
/** One of `CROSSOVERS`. */
export type CrossoverKind = typeof CROSSOVERS[number];
/** One of `LR_SCHEDULES`. */
export type LrSchedule = typeof LR_SCHEDULES[number];

/** How a population of models evolves: the genes a meta level can evolve. */
export interface StrategyGenome {
  /** Parent selection operator. */
  selection: SelectionKind;
  /** Tournament size, integer in [2, 8]. */
  tournamentSize: number;
  /** Linear-ranking pressure in [1, 2] (1 uniform, 2 strongest). */
  rankPressure: number;
  /** Fraction of the valid models truncation selection draws from, in [0.05, 1]. */
  truncationRatio: number;
  /** Fraction of the segment copied unchanged (the best by raw fitness), in [0, 0.5]. */
  elitismRatio: number;
  /** Mutation operator. */
  mutation: MutationKind;
  /** Per-parameter mutation probability, in [0, 1]. */
  mutationRate: number;
  /** Mutation standard deviation, in [1e-4, 10]. */
  mutationStrength: number;
  /** Per-parameter probability of a reset to the init distribution (mutation "reset"), in [0, 1]. */
  resetFraction: number;
  /** Rank of the low-rank noise on one block (mutation "low_rank"), integer in [1, 4]. */
  lowRank: number;
  /** Crossover operator. */
  crossover: CrossoverKind;
  /** Probability that a child is a crossover of two parents (else a copy of one), in [0, 1]. */
  crossoverRate: number;
  /** Fitness-sharing niche radius in RMS parameter distance; 0 disables sharing. In [0, 10]. */
  nicheRadius: number;
  /** Weight of the diversity bonus added to shaped fitness, in [0, 2]. */
  diversityBonus: number;
  /** Gradient steps per generation for neural tasks (0 = pure evolution), integer in [0, 8]. */
  gradSteps: number;
  /** Learning rate of those steps, in [1e-4, 10]. */
  lr: number;
  /** Learning-rate schedule over generations. */
  lrSchedule: LrSchedule;
  /** Gradient transform: clip the global gradient norm to this value; 0 = no clipping. In [0, 100]. */
  clipNorm: number;
  /** Gradient transform of the memetic steps: none, elementwise sign, or divide by the global norm. */
  gradTransform: GradTransformGene;
  /** Loss modification of the memetic steps: cross-entropy label smoothing, in [0, 0.3]. */
  labelSmoothing: number;
  /**
   * Active models per segment, integer in [2, 64]: the first min(populationSize, M) models evolve,
   * the others are inactive (never evaluated, ranked or selected). 64 (the maximum) means all M.
   */
  populationSize: number;
  /**
   * Diversity threshold in [0, 1] (0 = off): when a segment's diversity (mean RMS distance
   * between its valid models) is below it, the next generation's mutation sigma is doubled.
   */
  diversityThreshold: number;
  /**
   * Niche capacity of fitness sharing, integer in [1, 20]: shaped fitness is divided by
   * max(1, niche / nicheCapacity) instead of niche (1 = plain sharing).
   */
  nicheCapacity: number;
}

/** The hand-designed default GA: the baseline every learned strategy is compared with. */
export const BASELINE_GENOME: Readonly<StrategyGenome> = Object.freeze({
  selection: "tournament",
  tournamentSize: 3,
  rankPressure: 1.5,
  truncationRatio: 0.5,
  elitismRatio: 0.1,
  mutation: "gaussian",
  mutationRate: 0.1,
  mutationStrength: 0.1,
  resetFraction: 0.01,
  lowRank: 1,
  crossover: "uniform",
  crossoverRate: 0.7,
  nicheRadius: 0,
  diversityBonus: 0,
  gradSteps: 0,
  lr: 0.05,
  lrSchedule: "constant",
  clipNorm: 0,
  gradTransform: "none",
  labelSmoothing: 0,
  populationSize: 64,
  diversityThreshold: 0,
  nicheCapacity: 1,
});

/** A continuous gene: range, and whether the meta level perturbs it in log space. */
export interface NumberGene {
  /** Discriminant: a continuous gene. */
  kind: "number";
  /** Smallest allowed value. */
  min: number;
  /** Largest allowed value. */
  max: number;
  /** Whether draws and perturbations happen in log space. */
  log: boolean;
  /** Whether values are rounded to integers. */
  integer: boolean;
}

/** A discrete gene: its allowed values. */
export interface ChoiceGene {
  /** Discriminant: a discrete gene. */
  kind: "choice";
  /** The allowed values. */
  values: readonly string[];
}

/** The gene table: every field of `StrategyGenome` with its domain. */
export const GENES: Readonly<Record<keyof StrategyGenome, NumberGene | ChoiceGene>> = {
  selection: { kind: "choice", values: SELECTIONS },
  tournamentSize: { kind: "number", min: 2, max: 8, log: true, integer: true },
  rankPressure: { kind: "number", min: 1, max: 2, log: false, integer: false },
  truncationRatio: { kind: "number", min: 0.05, max: 1, log: true, integer: false },
  elitismRatio: { kind: "number", min: 0, max: 0.5, log: false, integer: false },
  mutation: { kind: "choice", values: MUTATIONS },
  mutationRate: { kind: "number", min: 0.005, max: 1, log: true, integer: false },
  mutationStrength: { kind: "number", min: 1e-4, max: 10, log: true, integer: false },
  resetFraction: { kind: "number", min: 0.001, max: 1, log: true, integer: false },
  lowRank: { kind: "number", min: 1, max: 4, log: false, integer: true },
  crossover: { kind: "choice", values: CROSSOVERS },
  crossoverRate: { kind: "number", min: 0, max: 1, log: false, integer: false },
  nicheRadius: { kind: "number", min: 0, max: 10, log: false, integer: false },
  diversityBonus: { kind: "number", min: 0, max: 2, log: false, integer: false },
  gradSteps: { kind: "number", min: 0, max: 8, log: false, integer: true },
  lr: { kind: "number", min: 1e-4, max: 10, log: true, integer: false },
  lrSchedule: { kind: "choice", values: LR_SCHEDULES },
  clipNorm: { kind: "number", min: 0, max: 100, log: false, integer: false },
  gradTransform: { kind: "choice", values: GRAD_TRANSFORM_GENES },
  labelSmoothing: { kind: "number", min: 0, max: 0.3, log: false, integer: false },
  populationSize: { kind: "number", min: 2, max: 64, log: true, integer: true },
  diversityThreshold: { kind: "number", min: 0, max: 1, log: false, integer: false },
  nicheCapacity: { kind: "number", min: 1, max: 20, log: false, integer: true },
};

/** Gene names in a fixed order. */
export const GENE_NAMES = Object.keys(GENES) as (keyof StrategyGenome)[];

/**
 * Validates an unknown value (for example parsed from strategies.json) as a genome; missing fields
 * take the baseline's value. Throws TypeError for a wrong type, RangeError for an out-of-range
 * value, naming the field.
 */
export function parseGenome(raw: unknown, where = "genome"): StrategyGenome {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new TypeError(`Invalid ${where}: must be an object: current value is ${String(raw)}`);
  }
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) {
    if (!(k in GENES)) {
      throw new RangeError(
        `Invalid ${where}: unknown gene "${k}" (known: ${GENE_NAMES.join(", ")})`,
      );
    }
  }
  const out: Record<string, unknown> = { ...BASELINE_GENOME };
  for (const name of GENE_NAMES) {
    if (!(name in r)) continue;
    const v = r[name];
    const g = GENES[name];
    if (g.kind === "choice") {
      if (typeof v !== "string") {
        throw new TypeError(`Invalid ${where}.${name}: must be a string: current value is ${v}`);
      }
      if (!g.values.includes(v)) {
        throw new RangeError(
          `Invalid ${where}.${name}: must be one of ${g.values.join(", ")}: current value is ${v}`,
        );
      }
    } else {
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new TypeError(
          `Invalid ${where}.${name}: must be a finite number: current value is ${String(v)}`,
        );
      }
      if (v < g.min || v > g.max || (g.integer && !Number.isInteger(v))) {
        throw new RangeError(
          `Invalid ${where}.${name}: must be ${
            g.integer ? "an integer " : ""
          }in [${g.min}, ${g.max}]: current value is ${v}`,
        );
      }
    }
    out[name] = v;
  }
  return out as unknown as StrategyGenome;
}

/** Largest `populationSize`: it means "every model of the segment". */
export const MAX_POPULATION_SIZE = 64;

/**
 * Active models of a segment of `m` models: min(populationSize, m), or m when populationSize is
 * MAX_POPULATION_SIZE (or missing).
 */
export function activeCount(g: StrategyGenome, m: number): number {
  const n = g.populationSize ?? MAX_POPULATION_SIZE;
  return n >= MAX_POPULATION_SIZE ? m : Math.max(1, Math.min(n, m));
}

/**
 * Elite count of a segment of `m` models with `a = activeCount(g, m)` active ones:
 * round(elitismRatio * a), at most a - 1.
 */
export function eliteCount(g: StrategyGenome, m: number): number {
  const a = activeCount(g, m);
  return Math.max(0, Math.min(a - 1, Math.round(g.elitismRatio * a)));
}

/** Packs one genome into `row` (length GENOME_STRIDE) for segments of `m` models. */
export function packGenome(g: StrategyGenome, m: number, row: Float32Array): void {
  row.fill(0);
  row[GENOME.selection] = SELECTIONS.indexOf(g.selection);
  row[GENOME.tournamentSize] = g.tournamentSize;
  row[GENOME.rankPressure] = g.rankPressure;
  row[GENOME.truncationRatio] = g.truncationRatio;
  row[GENOME.elites] = eliteCount(g, m);
  row[GENOME.mutation] = MUTATIONS.indexOf(g.mutation);
  row[GENOME.mutationRate] = g.mutationRate;
  row[GENOME.mutationStrength] = g.mutationStrength;
  row[GENOME.resetFraction] = g.resetFraction;
  row[GENOME.lowRank] = g.lowRank;
  row[GENOME.crossover] = CROSSOVERS.indexOf(g.crossover);
  row[GENOME.crossoverRate] = g.crossoverRate;
  row[GENOME.nicheRadius] = g.nicheRadius;
  row[GENOME.diversityBonus] = g.diversityBonus;
  row[GENOME.gradSteps] = g.gradSteps;
  row[GENOME.lr] = g.lr;
  row[GENOME.lrSchedule] = LR_SCHEDULES.indexOf(g.lrSchedule);
  row[GENOME.clipNorm] = g.clipNorm;
  row[GENOME.gradTransform] = GRAD_TRANSFORMS[g.gradTransform];
  row[GENOME.labelSmoothing] = g.labelSmoothing;
  row[GENOME.active] = activeCount(g, m);
  row[GENOME.diversityThreshold] = g.diversityThreshold ?? 0;
  row[GENOME.nicheCapacity] = g.nicheCapacity ?? 1;
}

/**
 * Packs one genome per segment into a (S, GENOME_STRIDE) table; segment s draws its selection and
 * breeding random numbers from stream `rngStreams[s]` (default s).
 */
export function packGenomeTable(
  genomes: readonly StrategyGenome[],
  m: number,
  rngStreams?: readonly number[],
): Float32Array<ArrayBuffer> {
  const out = new Float32Array(genomes.length * GENOME_STRIDE);
  genomes.forEach((g, s) => {
    packGenome(g, m, out.subarray(s * GENOME_STRIDE, (s + 1) * GENOME_STRIDE));
    out[s * GENOME_STRIDE + GENOME.rngStream] = rngStreams?.[s] ?? s;
  });
  return out;
}

function clampGene(g: NumberGene, v: number): number {
  const c = Math.min(g.max, Math.max(g.min, v));
  return g.integer ? Math.round(c) : c;
}

/** Draws one gene value uniformly (log-uniformly for log genes). */
export function drawGene(name: keyof StrategyGenome, rng: Rng): number | string {
  const g = GENES[name];
  if (g.kind === "choice") return g.values[rng.int(g.values.length)]!;
  if (g.log && g.min > 0) {
    return clampGene(g, Math.exp(rng.range(Math.log(g.min), Math.log(g.max))));
  }
  return clampGene(g, rng.range(g.min, g.max));
}

/** A random genome: every gene drawn by `drawGene`. */
export function randomGenome(rng: Rng): StrategyGenome {
  const out: Record<string, unknown> = {};
  for (const name of GENE_NAMES) out[name] = drawGene(name, rng);
  return out as unknown as StrategyGenome;
}

/**
 * Mutates a genome: each gene with probability `rate`; a discrete gene is re-drawn, a continuous
 * one multiplied by exp(strength * N(0,1)) (log genes) or moved by strength * range * N(0,1).
 */
export function mutateGenome(
  g: StrategyGenome,
  rng: Rng,
  rate: number,
  strength: number,
): StrategyGenome {
  const out: Record<string, unknown> = { ...g };
  for (const name of GENE_NAMES) {
    if (rng.uniform() >= rate) continue;
    const gene = GENES[name];
    if (gene.kind === "choice") {
      out[name] = gene.values[rng.int(gene.values.length)];
      continue;
    }
    const v = g[name] as number;
    const n = rng.normal();
    out[name] = gene.log && v > 0
      ? clampGene(gene, v * Math.exp(strength * n))
      : clampGene(gene, v + strength * (gene.max - gene.min) * 0.5 * n);
  }
  return out as unknown as StrategyGenome;
}

/** Gene-wise uniform crossover: each gene from `a` or `b` with probability 1/2. */
export function crossGenomes(a: StrategyGenome, b: StrategyGenome, rng: Rng): StrategyGenome {
  const out: Record<string, unknown> = {};
  for (const name of GENE_NAMES) out[name] = rng.uniform() < 0.5 ? a[name] : b[name];
  return out as unknown as StrategyGenome;
}
