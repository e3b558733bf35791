/**
 * Disjoint class splits for meta-learning: meta-train, meta-validation and meta-test classes never
 * share a class, so evaluation measures adaptation to classes never seen during meta-training.
 * @module
 */

import { deriveSeed, Rng } from "../../core/rng.ts";

/** Three disjoint, ascending lists of class ids. */
export interface ClassSplit {
  /** Total number of classes in the data set. */
  classes: number;
  /** Meta-training classes. */
  train: Uint32Array<ArrayBuffer>;
  /** Meta-validation classes. */
  validation: Uint32Array<ArrayBuffer>;
  /** Meta-test classes. */
  test: Uint32Array<ArrayBuffer>;
}

/** Sizes and seed of `splitClasses`. */
export interface SplitClassesOptions {
  /** Number of meta-training classes. */
  train: number;
  /** Number of meta-validation classes (default 0). */
  validation?: number;
  /** Number of meta-test classes (default: all remaining classes). */
  test?: number;
  /** Seed of the shuffle (default 0). */
  seed?: number;
}

/**
 * Splits classes 0..classes-1 at random: a permutation drawn by `new Rng(deriveSeed(seed,
 * "class-split")).permutation(classes)` gives train its first `train` entries, then validation,
 * then test; each list is sorted. Throws a RangeError when the sizes add up to more than `classes`.
 */
export function splitClasses(classes: number, options: SplitClassesOptions): ClassSplit {
  if (!Number.isInteger(classes) || classes < 1) {
    throw new RangeError(
      `Cannot split classes as classes must be an integer >= 1: current value is ${classes}`,
    );
  }
  const train = options.train;
  const validation = options.validation ?? 0;
  const test = options.test ?? classes - train - validation;
  for (const [f, v] of [["train", train], ["validation", validation], ["test", test]] as const) {
    if (!Number.isInteger(v) || v < 0) {
      throw new RangeError(
        `Cannot split classes as ${f} must be an integer >= 0: current value is ${v}`,
      );
    }
  }
  if (train + validation + test > classes) {
    throw new RangeError(
      `Cannot split classes as train+validation+test must be <= ${classes} classes: current value is ${
        train + validation + test
      }`,
    );
  }
  const perm = new Rng(deriveSeed((options.seed ?? 0) >>> 0, "class-split")).permutation(classes);
  const sorted = (a: Uint32Array): Uint32Array<ArrayBuffer> => Uint32Array.from(a).sort();
  return {
    classes,
    train: sorted(perm.subarray(0, train)),
    validation: sorted(perm.subarray(train, train + validation)),
    test: sorted(perm.subarray(train + validation, train + validation + test)),
  };
}

/** Builds a split from explicit class lists; throws when a class is out of range or in two lists. */
export function explicitClassSplit(
  classes: number,
  lists: {
    train: readonly number[];
    validation?: readonly number[];
    test?: readonly number[];
  },
): ClassSplit {
  const split: ClassSplit = {
    classes,
    train: Uint32Array.from(lists.train).sort(),
    validation: Uint32Array.from(lists.validation ?? []).sort(),
    test: Uint32Array.from(lists.test ?? []).sort(),
  };
  for (const f of ["train", "validation", "test"] as const) {
    const src = lists[f] ?? [];
    for (const c of src) {
      if (!Number.isInteger(c) || c < 0 || c >= classes) {
        throw new RangeError(
          `Cannot build class split as ${f} classes must be integers in [0, ${
            classes - 1
          }]: current value is ${c}`,
        );
      }
    }
  }
  validateClassSplit(split);
  return split;
}

/** Checks that a split's lists are in range and pairwise disjoint with no repeats; throws RangeError naming the list. */
export function validateClassSplit(split: ClassSplit): void {
  const owner = new Map<number, string>();
  for (const f of ["train", "validation", "test"] as const) {
    for (const c of split[f]) {
      if (c >= split.classes) {
        throw new RangeError(
          `Invalid class split: ${f} classes must be in [0, ${
            split.classes - 1
          }]: current value is ${c}`,
        );
      }
      const prev = owner.get(c);
      if (prev !== undefined) {
        throw new RangeError(
          `Invalid class split: class ${c} must be in one list only: current lists are ${prev} and ${f}`,
        );
      }
      owner.set(c, f);
    }
  }
}
