/**
 * Options of the self-improving system (meta/few_shot/self_improving.ts) and their defaults.
 * @module
 */
import type { ProtonetDistance } from "../../learners/meta_train/mod.ts";
import type { MetaKnobs } from "./meta_learner.ts";
import type { FewShotMetric } from "./metric.ts";
import type { MetaLearnerName } from "./registry.ts";

/** A member's meta-learning method: any registered meta-learner (meta/few_shot/registry.ts). */
export type MemberMethod = MetaLearnerName;

/** Options of `SelfImprovingSystem`. */
export interface SelfImprovingOptions {
  /** Members M (>= 4). */
  members: number;
  /** Modifier groups at level 2 (default 2; 1 disables level 2). */
  groups?: number;
  /** Methods the members start with, cycled over members; also what a switch may pick (default [fomaml]). */
  methods?: MemberMethod[];
  /** Starting meta lr of each method (default knobs.metaLr); a member's spreads by 3 around it. */
  metaLrs?: Partial<Record<MemberMethod, number>>;
  /** Starting inner steps of each method (default knobs.innerSteps). */
  innerSteps?: Partial<Record<MemberMethod, number>>;
  /** Probability that an explore switches a member's method to another of `methods` (default 0). */
  methodSwitch?: number;
  /** Init scale around which members start (default 1: the given theta as is). */
  initScale?: number;
  /** Members' init scales spread log-uniformly by this factor (default 1: all the same). */
  initSpread?: number;
  /** Starting knobs; members spread log-uniformly by a factor 3 around innerLr and metaLr. */
  knobs: MetaKnobs;
  /** Tasks per member per meta-iteration (the members' meta-batch; default 16). */
  memberTasks?: number;
  /** Largest inner step count (default 10). */
  maxInnerSteps?: number;
  /** Inner steps of the fitness evaluation; the fitness is the best over 0..evalSteps (default 10). */
  evalSteps?: number;
  /** Starting explore scale of every group (default 0.3). */
  sigma?: number;
  /** Starting exploit interval of every group, in meta-iterations (default 5). */
  interval?: number;
  /** Bounds of a group's exploit interval when level 2 perturbs it (default [1, 20]). */
  intervalRange?: [number, number];
  /** Meta-iterations between level-2 steps (default 20). */
  level2Interval?: number;
  /** Exploit fraction (default 0.25). */
  fraction?: number;
  /** Fitness metric: query accuracy (classification, default) or query loss (regression, lower is better). */
  metric?: FewShotMetric;
  /** ES-MAML members: perturbation scale (default 0.02). */
  esSigma?: number;
  /** ProtoNet members: the distance of queries to prototypes (default: ProtoNet's own default). */
  distance?: ProtonetDistance;
  /**
   * Members of the gradient-based methods (every one but ProtoNets) set theta's output layer to zero
   * after every meta-update (MetaLearnerOptions.headReset; default false).
   */
  headReset?: boolean;
  /** Seed. */
  seed?: number;
}

/** Options with every default filled (the starting knobs are used once, by the constructor). */
export type ResolvedOptions =
  & Required<Omit<SelfImprovingOptions, "knobs" | "metaLrs" | "innerSteps" | "distance">>
  & { metaLrs: Record<MemberMethod, number>; innerSteps: Record<MemberMethod, number> }
  & { distance?: ProtonetDistance };

function perMethod(
  given: Partial<Record<MemberMethod, number>> | undefined,
  fallback: number,
): Record<MemberMethod, number> {
  return {
    "reptile": given?.reptile ?? fallback,
    "fomaml": given?.fomaml ?? fallback,
    "maml": given?.maml ?? fallback,
    "es-maml": given?.["es-maml"] ?? fallback,
    "meta-sgd": given?.["meta-sgd"] ?? fallback,
    "protonet": given?.protonet ?? fallback,
  };
}

/** Fills the defaults; throws a RangeError naming `members` unless it is an integer >= 4. */
export function resolveOptions(options: SelfImprovingOptions): ResolvedOptions {
  const o: ResolvedOptions = {
    members: options.members,
    groups: options.groups ?? 2,
    methods: options.methods ?? ["fomaml"],
    metaLrs: perMethod(options.metaLrs, options.knobs.metaLr),
    innerSteps: perMethod(options.innerSteps, options.knobs.innerSteps),
    methodSwitch: options.methodSwitch ?? 0,
    initScale: options.initScale ?? 1,
    initSpread: options.initSpread ?? 1,
    memberTasks: options.memberTasks ?? 16,
    maxInnerSteps: options.maxInnerSteps ?? 10,
    evalSteps: options.evalSteps ?? 10,
    sigma: options.sigma ?? 0.3,
    interval: options.interval ?? 5,
    intervalRange: options.intervalRange ?? [1, 20],
    level2Interval: options.level2Interval ?? 20,
    fraction: options.fraction ?? 0.25,
    metric: options.metric ?? "accuracy",
    esSigma: options.esSigma ?? 0.02,
    distance: options.distance,
    headReset: options.headReset ?? false,
    seed: options.seed ?? 0,
  };
  if (!Number.isInteger(o.members) || o.members < 4) {
    throw new RangeError(
      `Cannot create self-improving system as members must be an integer >= 4: current value is ${o.members}`,
    );
  }
  if (o.methods.length === 0) {
    throw new RangeError("Cannot create self-improving system as methods must not be empty");
  }
  return o;
}
