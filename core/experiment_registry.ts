/**
 * The experiment registry (named experiments, checked when registered, looked up by the CLI) and
 * config resolution (scale preset, user config, schema defaults).
 * @module
 */
import { ConfigError, parseConfig } from "./config_schema.ts";
import type { Experiment, RunExperimentOptions } from "./experiment.ts";

/** How big a run is: "smoke" (seconds, for tests), "default", "full" (the reference sizes). */
export type Scale = "smoke" | "default" | "full";

/** The scales, smallest first. */
export const SCALES: readonly Scale[] = ["smoke", "default", "full"];

const registry = new Map<string, Experiment<unknown>>();
const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;

/** Adds an experiment to the registry; throws a RangeError when the name is invalid or taken. */
export function registerExperiment<C, I = unknown>(
  experiment: Experiment<C, I>,
): Experiment<C, I> {
  const name = experiment?.name;
  if (typeof name !== "string" || !NAME_PATTERN.test(name)) {
    throw new RangeError(
      `Cannot register experiment as name must match ${NAME_PATTERN}: current value is ${
        JSON.stringify(name)
      }`,
    );
  }
  if (registry.has(name)) {
    throw new RangeError(
      `Cannot register experiment as name must be unique: current value is "${name}"`,
    );
  }
  if (typeof experiment.run !== "function" || typeof experiment.schema?.safeParse !== "function") {
    throw new TypeError(
      `Cannot register experiment "${name}" as it must have a zod schema and a run function`,
    );
  }
  for (const scale of Object.keys(experiment.scales ?? {})) {
    if (!SCALES.includes(scale as Scale)) {
      throw new RangeError(
        `Cannot register experiment "${name}" as scales keys must be "smoke", "default" or "full": current value is "${scale}"`,
      );
    }
  }
  registry.set(name, experiment as Experiment<unknown>);
  return experiment;
}

/** Removes an experiment from the registry (for tests); returns whether it was there. */
export function unregisterExperiment(name: string): boolean {
  return registry.delete(name);
}

/** The registered experiment `name`; a ConfigError (exit code 2) lists the known names otherwise. */
export function getExperiment(name: string): Experiment<unknown> {
  const experiment = registry.get(name);
  if (experiment) return experiment;
  const known = [...registry.keys()].sort().map((n) => `"${n}"`).join(", ") || "(none registered)";
  throw new ConfigError(
    `Invalid experiment name: must be one of ${known}: current value is ${JSON.stringify(name)}`,
    {
      field: "experiment",
    },
  );
}

/** All registered experiments, sorted by name. */
export function listExperiments(): Experiment<unknown>[] {
  return [...registry.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Deep-merges plain objects (`over` wins; arrays and other values are replaced). */
export function mergeConfig(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = mergeConfig(base[key], value);
  return out;
}

/**
 * Validates the config of `experiment` for `options.scale` (the scale preset merged under
 * `options.rawConfig`) and returns it with defaults filled; throws a one-line ConfigError.
 */
export function resolveConfig<C, I>(
  experiment: Experiment<C, I>,
  options: RunExperimentOptions = {},
): C {
  const scale = options.scale ?? "default";
  if (!SCALES.includes(scale)) {
    throw new ConfigError(
      `Invalid config field "scale": must be one of "smoke", "default", "full": current value is ${
        JSON.stringify(scale)
      }`,
      { field: "scale" },
    );
  }
  const preset = experiment.scales?.[scale];
  const source = options.source ?? "";
  const label = preset && Object.keys(preset).length > 0
    ? `${source ? source + " " : ""}(over the "${scale}" preset of ${experiment.name})`
    : source;
  return parseConfig(experiment.schema, mergeConfig(preset ?? {}, options.rawConfig ?? {}), label);
}
