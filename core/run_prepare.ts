/**
 * The prepare phase of a run: everything a run needs is resolved, read and validated before its
 * folder exists (config, seed, the experiment's own inputs through `Experiment.prepare`: data
 * files, strategies, learned optimizers, WGSL; and the output folder), so that bad input is one
 * `InputError` line with nothing written.
 * @module
 */

import { ConfigError } from "./config_schema.ts";
import type { Experiment, RunExperimentOptions } from "./experiment.ts";
import { resolveConfig, type Scale } from "./experiment_registry.ts";
import { checkOutDir } from "./out_dir.ts";

/** A run with its inputs read and checked: what `runExperiment` needs before it writes. */
export interface PreparedRun<C, I = unknown> {
  /** The validated config with defaults filled. */
  config: C;
  /** The run seed. */
  seed: number;
  /** The scale the config was resolved for. */
  scale: Scale;
  /** What the experiment's `prepare` returned (undefined when it has none). */
  inputs: I | undefined;
}

/** Checks a run seed: an integer in [0, 2^32); a one-line ConfigError otherwise. */
export function checkSeed(seed: unknown): number {
  if (typeof seed !== "number" || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new ConfigError(
      `Invalid config field "seed": must be an integer >= 0 and <= 4294967295: current value is ${
        String(seed)
      }`,
      { field: "seed" },
    );
  }
  return seed;
}

/**
 * Resolves the config and seed of a new run, runs the experiment's `prepare` (which reads and
 * validates its input files) and checks the output folder. Writes nothing; throws `InputError`s.
 */
export async function prepareRun<C, I>(
  experiment: Experiment<C, I>,
  options: RunExperimentOptions = {},
): Promise<PreparedRun<C, I>> {
  const config = resolveConfig(experiment, options);
  const seed = checkSeed(options.seed ?? 0);
  const scale = options.scale ?? "default";
  const inputs = await experiment.prepare?.(config, { seed, scale });
  await checkOutDir(options.dir ?? options.outDir ?? "runs", options.dir ? "run folder" : "--out");
  return { config, seed, scale, inputs };
}
