/**
 * The names the `meta` experiment is configured with: its settings (which are classification) and
 * its methods (baselines, static meta-learners, those whose inner steps follow their papers).
 * config.ts re-exports them.
 * @module
 */

/** Settings: task family, ways and shots of the meta-test episodes. */
export const META_SETTINGS = [
  "sinusoid",
  "synthetic-1shot",
  "synthetic-5shot",
  "glyphs-5way-1shot",
  "glyphs-5way-5shot",
  "glyphs-20way-1shot",
] as const;
/** A setting name. */
export type MetaSettingName = typeof META_SETTINGS[number];
/** A classification setting (every setting but the sinusoid, whose network is MAML's 1-40-40-1). */
export type ClassificationSetting = Exclude<MetaSettingName, "sinusoid">;
/** The classification settings. */
export const CLASSIFICATION_SETTINGS: readonly ClassificationSetting[] = META_SETTINGS.filter(
  (x): x is ClassificationSetting => x !== "sinusoid",
);

/** Methods that learn nothing across tasks (reference points of the table). */
export const META_BASELINES = ["baseline", "nearest-neighbour", "pretrained"] as const;
/** Meta-learners with one fixed strategy (tuned on meta-validation tasks). */
export const STATIC_METHODS = [
  "reptile",
  "fomaml",
  "maml",
  "es-maml",
  "meta-sgd",
  "protonet",
] as const;
/** Methods compared. */
export const META_METHODS = [...META_BASELINES, ...STATIC_METHODS, "self-improving"] as const;
/** A method name. */
export type MetaMethod = typeof META_METHODS[number];
/** A static meta-learner's name. */
export type StaticMethod = typeof STATIC_METHODS[number];
/** The static meta-learners whose meta-training inner steps follow their papers (`trainInnerSteps`). */
export const STEPPED_METHODS = ["fomaml", "maml", "es-maml", "meta-sgd"] as const;
/** One of STEPPED_METHODS. */
export type SteppedMethod = typeof STEPPED_METHODS[number];

/** Whether `name` is a classification setting (its metric an accuracy; the sinusoid's an MSE). */
export function isClassification(name: string): name is ClassificationSetting {
  return (CLASSIFICATION_SETTINGS as readonly string[]).includes(name);
}

/** The static meta-learners that read an output layer (`methodHeads`; ProtoNets do not). */
export const HEAD_METHODS = ["reptile", "fomaml", "maml", "es-maml", "meta-sgd"] as const;
/** One of HEAD_METHODS. */
export type HeadMethod = typeof HEAD_METHODS[number];

/** A method's own head setup in a setting (`methodHeads`): what it sets overrides the setting's. */
export interface MethodHead {
  headInitScale?: number;
  headReset?: boolean;
}
