/**
 * Options of the self-improving system (meta/few_shot/self_improving.ts) and their defaults.
 * @module
 */
import type { MetaKnobs } from "./meta_learner.ts";

/** A member's meta-update method. */
export type MemberMethod = "fomaml" | "reptile";

/** Options of `SelfImprovingSystem`. */
export interface SelfImprovingOptions {
  /** Members M (>= 4). */
  members: number;
  /** Modifier groups at level 2 (default 2; 1 disables level 2). */
  groups?: number;
  /** Meta-update of each member when `methods` is not given (default fomaml). */
  base?: MemberMethod;
  /** Methods the members start with, cycled over members (default [base]). */
  methods?: MemberMethod[];
  /** Starting meta lr of each method (default knobs.metaLr for both); a member's spreads by 3. */
  metaLrs?: Partial<Record<MemberMethod, number>>;
  /** Starting inner steps of each method (default knobs.innerSteps for both). */
  innerSteps?: Partial<Record<MemberMethod, number>>;
  /** Probability that an explore flips a member's method (default 0). */
  methodSwitch?: number;
  /** Init scale around which members start (default 1: the given theta as is). */
  initScale?: number;
  /** Members' init scales spread log-uniformly by this factor (default 1: all the same). */
  initSpread?: number;
  /** Starting knobs; members spread log-uniformly by a factor 3 around innerLr and metaLr. */
  knobs: MetaKnobs;
  /** Largest inner step count (default 10). */
  maxInnerSteps?: number;
  /** Starting explore scale of every group (default 0.3). */
  sigma?: number;
  /** Starting exploit interval of every group, in iterations (default 5). */
  interval?: number;
  /** Iterations between level-2 steps (default 20). */
  level2Interval?: number;
  /** Exploit fraction (default 0.25). */
  fraction?: number;
  /** Fitness moving-average weight of the old value (default 0.7). */
  fitnessDecay?: number;
  /** Episodes in the selector's pool (enables the task selector and replay), 0 = uniform (default 0). */
  selectorTasks?: number;
  /** Fraction of each meta-batch drawn from the replay memory (default 0.25). */
  replayFraction?: number;
  /** Curriculum: query accuracy that promotes to the next difficulty pool (default 0.7). */
  curriculumThreshold?: number;
  /** Fitness signal: query accuracy (classification, default) or minus the query loss (regression). */
  fitness?: "accuracy" | "negLoss";
  /** Seed. */
  seed?: number;
}

/** Options with every default filled (the starting knobs are used once, by the constructor). */
export type ResolvedOptions =
  & Required<Omit<SelfImprovingOptions, "knobs" | "metaLrs" | "innerSteps">>
  & { metaLrs: Record<MemberMethod, number>; innerSteps: Record<MemberMethod, number> };

/** Fills the defaults; throws a RangeError naming `members` unless it is an integer >= 4. */
export function resolveOptions(options: SelfImprovingOptions): ResolvedOptions {
  const o: ResolvedOptions = {
    members: options.members,
    groups: options.groups ?? 2,
    base: options.base ?? "fomaml",
    methods: options.methods ?? [options.base ?? "fomaml"],
    metaLrs: {
      fomaml: options.metaLrs?.fomaml ?? options.knobs.metaLr,
      reptile: options.metaLrs?.reptile ?? options.knobs.metaLr,
    },
    innerSteps: {
      fomaml: options.innerSteps?.fomaml ?? options.knobs.innerSteps,
      reptile: options.innerSteps?.reptile ?? options.knobs.innerSteps,
    },
    methodSwitch: options.methodSwitch ?? 0,
    initScale: options.initScale ?? 1,
    initSpread: options.initSpread ?? 1,
    maxInnerSteps: options.maxInnerSteps ?? 10,
    sigma: options.sigma ?? 0.3,
    interval: options.interval ?? 5,
    level2Interval: options.level2Interval ?? 20,
    fraction: options.fraction ?? 0.25,
    fitnessDecay: options.fitnessDecay ?? 0.7,
    selectorTasks: options.selectorTasks ?? 0,
    replayFraction: options.replayFraction ?? 0.25,
    curriculumThreshold: options.curriculumThreshold ?? 0.7,
    fitness: options.fitness ?? "accuracy",
    seed: options.seed ?? 0,
  };
  if (!Number.isInteger(o.members) || o.members < 4) {
    throw new RangeError(
      `Cannot create self-improving system as members must be an integer >= 4: current value is ${o.members}`,
    );
  }
  return o;
}
