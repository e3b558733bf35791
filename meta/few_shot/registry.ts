/**
 * The registry of few-shot meta-learners, name -> class, as evosax keeps its strategies: every
 * entry is constructed the same way, `new META_LEARNERS[name](loop, theta, options)`, with
 * `options: MetaLearnerOptions` (innerLr, innerSteps, metaLr, and the optional initScale,
 * firstOrder, sigma, seed, alphaMax; a method ignores the settings it has no use for). One looped
 * smoke test runs every entry (tests/meta/few_shot/registry_test.ts).
 * @module
 */
import { EsMaml } from "./es_maml.ts";
import { Fomaml } from "./fomaml.ts";
import type { InnerLoop } from "./inner_loop.ts";
import { Maml } from "./maml.ts";
import type { MetaLearner, MetaLearnerOptions } from "./meta_learner.ts";
import { MetaSgd } from "./meta_sgd.ts";
import { ProtoNet } from "./protonet.ts";
import { Reptile } from "./reptile.ts";

/** The constructor every registered meta-learner has. */
export type MetaLearnerClass = new (
  loop: InnerLoop,
  theta: Float32Array,
  options: MetaLearnerOptions,
) => MetaLearner;

/** Registered meta-learners by method name. */
export const META_LEARNERS = {
  "reptile": Reptile,
  "fomaml": Fomaml,
  "maml": Maml,
  "es-maml": EsMaml,
  "meta-sgd": MetaSgd,
  "protonet": ProtoNet,
} as const satisfies Record<string, MetaLearnerClass>;

/** A registered method name. */
export type MetaLearnerName = keyof typeof META_LEARNERS;

/** True when `name` is a registered meta-learner. */
export function isMetaLearnerName(name: string): name is MetaLearnerName {
  return Object.hasOwn(META_LEARNERS, name);
}

/**
 * Constructs the meta-learner `name` starting from `theta` (copied, times options.initScale).
 * Throws a RangeError naming the allowed names for an unknown one.
 */
export function createMetaLearner(
  name: string,
  loop: InnerLoop,
  theta: Float32Array,
  options: MetaLearnerOptions,
): MetaLearner {
  if (!isMetaLearnerName(name)) {
    throw new RangeError(
      `Cannot create meta-learner as name must be one of ${
        Object.keys(META_LEARNERS).join(", ")
      }: current value is ${name}`,
    );
  }
  return new META_LEARNERS[name](loop, theta, options);
}
