/**
 * Members of the self-improving system (meta/few_shot/self_improving.ts): each member is one of the
 * registered meta-learners (meta/few_shot/registry.ts: Reptile, FOMAML, MAML, ES-MAML, Meta-SGD,
 * ProtoNets) with its own initialization, knobs and init scale. This file makes them (methods cycled,
 * knobs and init scales spread over the population), copies one into another (exploit) and explores
 * a member's method and knobs.
 *
 * What a method switch does with the state only one method has:
 * - theta is kept as is: the whole MLP. ProtoNets embed with the hidden layers and leave the output
 *   layer untouched, so a member switching from ProtoNets to a gradient method adapts a head that
 *   is still the one it had before (its init, or what an earlier gradient method learned);
 * - Meta-SGD's per-parameter inner rates: a member switching to Meta-SGD starts them at its inner lr
 *   everywhere (as Meta-SGD starts); one switching away takes their mean as its scalar inner lr;
 * - the meta lr keeps its ratio to the method's starting value (Reptile's epsilon and Adam's lr live
 *   on different scales); the inner steps restart at the new method's starting count;
 * - the meta-optimizer's Adam moments restart (an exploit, by contrast, copies the whole training
 *   state: theta, moments and step, Meta-SGD's learned rates).
 * @module
 */
import type { Rng } from "../../core/rng.ts";
import type { FitVerdict } from "./mirror_mind/performance_analyzer.ts";
import type { InnerLoop } from "./inner_loop.ts";
import type { MetaKnobs, MetaLearner, MetaLearnerState } from "./meta_learner.ts";
import { MetaSgd } from "./meta_sgd.ts";
import { exploreKnobs, type StrategyChange } from "./pbt.ts";
import { createMetaLearner } from "./registry.ts";
import type { MemberMethod, ResolvedOptions } from "./self_improving_options.ts";

/** One member of the population. */
export interface Member {
  /** Its meta-learner (theta, knobs and the method's own state). */
  learner: MetaLearner;
  /** Its method (the learner's). */
  method: MemberMethod;
  /** Init scale its initialization started from (selected by exploit, never perturbed). */
  initScale: number;
  /** Fitness: its meta-validation score at the last scoring (accuracy, or minus the loss). */
  fitness: number;
  /** Level-2 group. */
  group: number;
  /** Last analyzer verdict (support vs query accuracy at the last scoring). */
  verdict: FitVerdict;
}

/** A member as a checkpoint holds it: its fields and its learner's knobs and training state. */
export interface MemberState extends Omit<Member, "learner"> {
  /** The learner's knobs now. */
  knobs: MetaKnobs;
  /** Meta-SGD's upper clamp of its rates (set when its learner was built). */
  alphaMax?: number;
  /** The learner's training state (theta, moments, step, Meta-SGD's rates). */
  learner: MetaLearnerState;
}

/** The state of `mem` (copies); throws when its learner cannot save its state. */
export function memberState(mem: Member): MemberState {
  const learner = mem.learner.saveState?.();
  if (!learner) throw new Error(`Cannot save member as method ${mem.method} has no saveState`);
  const { method, initScale, fitness, group, verdict } = mem;
  const alphaMax = mem.learner instanceof MetaSgd ? { alphaMax: mem.learner.alphaMax } : {};
  const knobs = { ...mem.learner.knobs };
  return { method, initScale, fitness, group, verdict, knobs, ...alphaMax, learner };
}

/** The member `memberState` saved, with a learner on `loop` that continues it exactly. */
export function restoreMember(s: MemberState, loop: InnerLoop, o: ResolvedOptions): Member {
  const learner = createMetaLearner(s.method, loop, s.learner.theta, {
    ...s.knobs,
    alphaMax: s.alphaMax,
    sigma: o.esSigma,
    seed: o.seed,
    distance: o.distance,
    headReset: memberHeadReset(s.method, o),
  });
  learner.loadState!(s.learner);
  Object.assign(learner.knobs, s.knobs);
  const { method, initScale, fitness, group, verdict } = s;
  return { learner, method, initScale, fitness, group, verdict };
}

/** A change without the fields the system adds (iteration, level, target). */
export type MemberChange = Omit<StrategyChange, "iteration" | "level" | "target">;

/** Numeric code of a method in the change log and its plot. */
export const METHOD_CODE: Readonly<Record<MemberMethod, number>> = {
  "fomaml": 1,
  "reptile": 2,
  "maml": 3,
  "meta-sgd": 4,
  "protonet": 5,
  "es-maml": 6,
};

/** The knobs a method uses (ProtoNets has no inner loop: only its meta lr is explored). */
export function exploredKnobs(method: MemberMethod): (keyof MetaKnobs)[] {
  return method === "protonet" ? ["metaLr"] : ["innerLr", "metaLr", "innerSteps"];
}

/** Whether a member of `method` resets its head (`o.headReset`; never ProtoNets, which do not read it). */
export function memberHeadReset(method: MemberMethod, o: ResolvedOptions): boolean {
  return o.headReset && method !== "protonet";
}

/** A meta-learner of `method` from `theta` (copied, times initScale) with a copy of `knobs`. */
export function memberLearner(
  loop: InnerLoop,
  method: MemberMethod,
  theta: Float32Array,
  knobs: MetaKnobs,
  o: ResolvedOptions,
  initScale = 1,
): MetaLearner {
  const metaLr = method === "reptile" ? Math.min(1, knobs.metaLr) : knobs.metaLr;
  return createMetaLearner(method, loop, theta, {
    ...knobs,
    metaLr,
    initScale,
    sigma: o.esSigma,
    seed: o.seed,
    distance: o.distance,
    headReset: memberHeadReset(method, o),
  });
}

/**
 * M members from `theta`: member m uses method `methods[m % methods.length]`, inner lr and meta lr
 * spread log-uniformly by a factor 3 around the starting knobs (meta lr around its method's), init
 * scale log-uniformly by a factor `initSpread` around `initScale`.
 */
export function createMembers(
  loop: InnerLoop,
  theta: Float32Array,
  knobs: MetaKnobs,
  o: ResolvedOptions,
  rng: Rng,
): Member[] {
  return Array.from({ length: o.members }, (_, m) => {
    const method = o.methods[m % o.methods.length]!;
    const initScale = o.initScale * Math.pow(o.initSpread, rng.range(-1, 1));
    const k: MetaKnobs = {
      innerLr: knobs.innerLr * Math.pow(3, rng.range(-1, 1)),
      innerSteps: Math.min(o.maxInnerSteps, o.innerSteps[method]),
      metaLr: o.metaLrs[method] * Math.pow(3, rng.range(-1, 1)),
    };
    return {
      learner: memberLearner(loop, method, theta, k, o, initScale),
      method,
      initScale,
      fitness: NaN,
      group: m % o.groups,
      verdict: "ok" as FitVerdict,
    };
  });
}

/**
 * Exploit: `target` becomes a copy of `source` (method, knobs, init scale, fitness, and the training
 * state: theta, Adam moments and step, Meta-SGD's learned rates); its group stays. The copy owns
 * its arrays.
 */
export function copyMember(target: Member, source: Member, loop: InnerLoop, o: ResolvedOptions) {
  const s = source.learner;
  target.learner = memberLearner(loop, source.method, s.theta, { ...s.knobs }, o);
  target.learner.loadState!(s.saveState!()); // every registered method is a LoopMetaLearner
  target.method = source.method;
  target.initScale = source.initScale;
  target.fitness = source.fitness;
  target.verdict = source.verdict;
}

/** Switches `mem` to method `to`, keeping theta (see the module doc for the rest); returns the change. */
export function switchMethod(
  mem: Member,
  to: MemberMethod,
  loop: InnerLoop,
  o: ResolvedOptions,
): MemberChange {
  const from = mem.method;
  const old = mem.learner;
  const knobs = { ...old.knobs };
  if (old instanceof MetaSgd) {
    const n = loop.layout.paramCount;
    const mean = old.alpha.subarray(0, n).reduce((a, b) => a + b, 0) / n;
    if (Number.isFinite(mean) && mean > 0) knobs.innerLr = Math.min(10, Math.max(1e-4, mean));
  }
  knobs.metaLr = o.metaLrs[to] * (knobs.metaLr / o.metaLrs[from]);
  knobs.innerSteps = Math.min(o.maxInnerSteps, o.innerSteps[to]);
  mem.learner = memberLearner(loop, to, old.theta, knobs, o);
  mem.method = to;
  return { action: "explore", field: "method", from: METHOD_CODE[from], to: METHOD_CODE[to] };
}

/**
 * Level-1 explore of a member after an exploit: with probability `methodSwitch` its method switches
 * to another of `o.methods` drawn uniformly (`switchMethod`), then the knobs its method uses are
 * perturbed (`exploreKnobs`; the inner-step change directed by the analyzer's verdict). Returns
 * the changes in order.
 */
export function exploreMember(
  mem: Member,
  sigma: number,
  rng: Rng,
  o: ResolvedOptions,
  loop: InnerLoop,
): MemberChange[] {
  const changes: MemberChange[] = [];
  const others = o.methods.filter((m) => m !== mem.method);
  if (others.length > 0 && rng.uniform() < o.methodSwitch) {
    changes.push(switchMethod(mem, others[rng.int(others.length)]!, loop, o));
  }
  const knobs = mem.learner.knobs;
  const fields = exploredKnobs(mem.method);
  changes.push(...exploreKnobs(knobs, sigma, rng, o.maxInnerSteps, mem.verdict, fields));
  return changes;
}
