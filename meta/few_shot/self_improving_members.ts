/**
 * Members of the self-improving system (meta/few_shot/self_improving.ts): each has its own
 * initialization, meta-update method (first-order MAML or Reptile), init scale and knobs. This file
 * makes them (knobs, methods and init scales spread over the population), applies one member's
 * meta-update from its block of the population's rows, and explores a member's method and knobs
 * after an exploit.
 * @module
 */
import type { Rng } from "../../core/rng.ts";
import { HostAdam } from "../../learners/optimizers/host_adam.ts";
import type { MlpLayout } from "../../learners/mlp/mlp_layout.ts";
import type { FitVerdict } from "./mirror_mind/performance_analyzer.ts";
import { meanRows, type MetaKnobs, norm } from "./meta_learner.ts";
import { reptileUpdateCpu } from "../../learners/meta_train/meta_reptile_update.ts";
import { exploreKnobs, type StrategyChange } from "./pbt.ts";
import type { MemberMethod, ResolvedOptions } from "./self_improving_options.ts";

/** One member of the population. */
export interface Member {
  /** Initialization (length stride). */
  theta: Float32Array<ArrayBuffer>;
  /** Knobs (metaLr is the step of the member's method: Reptile's epsilon or Adam's lr). */
  knobs: MetaKnobs;
  /** Meta-update method. */
  method: MemberMethod;
  /** Init scale its initialization started from (selected by exploit, never perturbed). */
  initScale: number;
  /** Meta-optimizer state (FOMAML). */
  adam: HostAdam;
  /** Fitness: moving average of its mean query accuracy (or minus loss) after adaptation. */
  fitness: number;
  /** Level-2 group. */
  group: number;
  /** Last analyzer verdict. */
  verdict: FitVerdict;
}

/** Weights of `theta` scaled by `scale` (biases as they are). */
export function scaleWeights(
  theta: Float32Array,
  layout: MlpLayout,
  scale: number,
): Float32Array<ArrayBuffer> {
  const out = Float32Array.from(theta);
  for (let l = 0; l < layout.layers; l++) {
    for (let k = layout.weightOffset[l]!; k < layout.biasOffset[l]!; k++) out[k]! *= scale;
  }
  return out;
}

/**
 * M members from `theta`: member m uses method `methods[m % methods.length]`, inner lr and meta lr
 * spread log-uniformly by a factor 3 around the starting knobs (meta lr around its method's), init
 * scale log-uniformly by a factor `initSpread` around `initScale` (weights of `theta` scaled).
 */
export function createMembers(
  theta: Float32Array,
  layout: MlpLayout,
  knobs: MetaKnobs,
  o: ResolvedOptions,
  rng: Rng,
): Member[] {
  return Array.from({ length: o.members }, (_, m) => {
    const method = o.methods[m % o.methods.length]!;
    const initScale = o.initScale * Math.pow(o.initSpread, rng.range(-1, 1));
    return {
      theta: scaleWeights(theta, layout, initScale),
      knobs: {
        innerLr: knobs.innerLr * Math.pow(3, rng.range(-1, 1)),
        innerSteps: Math.min(o.maxInnerSteps, o.innerSteps[method]),
        metaLr: o.metaLrs[method] * Math.pow(3, rng.range(-1, 1)),
      },
      method,
      initScale,
      adam: new HostAdam(theta.length),
      fitness: NaN,
      group: m % o.groups,
      verdict: "ok" as FitVerdict,
    };
  });
}

/**
 * Meta-update of member `m` from its block of T rows (query gradients for FOMAML, adapted
 * parameters for Reptile) with its meta lr times `lrScale`; returns the update's norm signal.
 */
export function updateMember(
  mem: Member,
  m: number,
  T: number,
  data: { grads: Float32Array | null; params: Float32Array | null; flags: Float32Array },
  layout: MlpLayout,
  lrScale: number,
): number {
  const { stride, paramCount } = layout;
  if (mem.method === "fomaml") {
    const block = data.grads!.subarray(m * T * stride, (m + 1) * T * stride);
    const { mean } = meanRows(block, T, stride, paramCount);
    mem.adam.step(mem.theta, mean, mem.knobs.metaLr * lrScale, paramCount);
    return norm(mean, paramCount);
  }
  const before = Float64Array.from(mem.theta.subarray(0, paramCount));
  reptileUpdateCpu({ adapted: data.params!, metrics: data.flags, theta: mem.theta }, {
    count: paramCount,
    models: T,
    first: m * T,
    rowStride: stride,
    metaLr: Math.min(1, mem.knobs.metaLr * lrScale),
  });
  for (let i = 0; i < paramCount; i++) before[i] = mem.theta[i]! - before[i]!;
  return norm(before);
}

/**
 * Level-1 explore of a member after an exploit: with probability `methodSwitch` its method flips
 * (FOMAML <-> Reptile; the meta lr keeps its ratio to the method's starting value), then inner
 * lr, meta lr and inner steps are perturbed (`exploreKnobs`). Returns the changes in order.
 */
export function exploreMember(
  mem: Member,
  sigma: number,
  rng: Rng,
  o: ResolvedOptions,
): Omit<StrategyChange, "iteration" | "level" | "target">[] {
  const changes: Omit<StrategyChange, "iteration" | "level" | "target">[] = [];
  if (o.methods.length > 1 && rng.uniform() < o.methodSwitch) {
    const from = mem.method;
    const to: MemberMethod = from === "fomaml" ? "reptile" : "fomaml";
    mem.knobs.metaLr = o.metaLrs[to] * (mem.knobs.metaLr / o.metaLrs[from]);
    mem.method = to;
    changes.push({
      action: "explore",
      field: "method",
      from: METHOD_CODE[from],
      to: METHOD_CODE[to],
    });
  }
  changes.push(...exploreKnobs(mem.knobs, sigma, rng, o.maxInnerSteps, mem.verdict));
  return changes;
}

/** Numeric code of a method in the change log (1 = fomaml, 2 = reptile). */
export const METHOD_CODE: Readonly<Record<MemberMethod, number>> = { fomaml: 1, reptile: 2 };
