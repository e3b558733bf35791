/**
 * Experiment config validation over zod v3. `parseConfig` makes every object of a schema strict
 * (unknown fields are errors, nested too), fills defaults, and turns the first zod issue into
 * one line that names the dotted field, what is allowed and the current value:
 *
 * `Invalid config field "inner.lr" in run.json: must be a number >= 0 and <= 10: current value is -1`
 *
 * Errors are `ConfigError`s (exit code 2) so a command line can print the message and exit.
 * @module
 */

import { z } from "zod";
import { locateJsonError } from "./_json_error.ts";
import { InputError } from "./input_error.ts";
import {
  type AnyDef,
  type AnySchema,
  K,
  kindOf,
  schemaAt,
  strictSchema,
  unwrap,
  valueAt,
} from "./_zod_walk.ts";

/**
 * A config schema: a zod schema whose parsed output is `C` (the structural part this module's
 * public signatures need; `parseConfig` uses the zod schema behind it).
 */
export interface ConfigSchema<C> {
  /** Parses `data`, returning the config with defaults filled, or throwing on invalid data. */
  parse(data: unknown): C;
  /** Parses `data` without throwing; returns zod's success-or-error result. */
  safeParse(data: unknown): unknown;
}

/** A config that cannot be read or is invalid: an `InputError` (exit code 2), one line. */
export class ConfigError extends InputError {
  /** Where the config came from (a file name, "command line", ...). */
  readonly source: string;

  /** Creates a config error; `message` must be one line. */
  constructor(message: string, options: { field?: string; source?: string } = {}) {
    super(message, { field: options.field, file: options.source });
    this.name = "ConfigError";
    this.source = options.source ?? "";
  }
}

export { type AnySchema, strictSchema } from "./_zod_walk.ts";

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function bounds(checks: AnyDef[], minKind: string, maxKind: string, unit = ""): string[] {
  const parts: string[] = [];
  for (const check of checks) {
    if (check.kind === minKind) {
      parts.push(`${check.inclusive === false ? ">" : ">="} ${check.value}${unit}`);
    } else if (check.kind === maxKind) {
      parts.push(`${check.inclusive === false ? "<" : "<="} ${check.value}${unit}`);
    }
  }
  return parts;
}

/** Describes what `schema` accepts, in words: "a number >= 0 and <= 10", `one of "a", "b"`. */
export function describeSchema(schema: AnySchema): string {
  const def = schema._def as AnyDef;
  switch (kindOf(schema)) {
    case K.ZodOptional:
    case K.ZodDefault:
    case K.ZodCatch:
    case K.ZodReadonly:
      return describeSchema(def.innerType);
    case K.ZodNullable:
      return `${describeSchema(def.innerType)} or null`;
    case K.ZodBranded:
      return describeSchema(def.type);
    case K.ZodEffects:
      return describeSchema(def.schema);
    case K.ZodLazy:
      return describeSchema(def.getter());
    case K.ZodPipeline:
      return describeSchema(def.in);
    case K.ZodNumber: {
      const checks = def.checks as AnyDef[];
      const isInt = checks.some((c) => c.kind === "int");
      const finite = checks.some((c) => c.kind === "finite");
      let text = isInt ? "an integer" : finite ? "a finite number" : "a number";
      const parts = bounds(checks, "min", "max");
      for (const c of checks) if (c.kind === "multipleOf") parts.push(`a multiple of ${c.value}`);
      if (parts.length > 0) text += " " + parts.join(" and ");
      return text;
    }
    case K.ZodBigInt:
      return "an integer";
    case K.ZodString: {
      const checks = def.checks as AnyDef[];
      const parts: string[] = [];
      for (const c of checks) {
        if (c.kind === "min") parts.push(`at least ${count(c.value, "character")}`);
        else if (c.kind === "max") parts.push(`at most ${count(c.value, "character")}`);
        else if (c.kind === "length") parts.push(`exactly ${count(c.value, "character")}`);
        else if (c.kind === "regex") parts.push(`matching ${c.regex}`);
        else if (typeof c.kind === "string") parts.push(`a valid ${c.kind}`);
      }
      return parts.length > 0 ? `a string (${parts.join(", ")})` : "a string";
    }
    case K.ZodBoolean:
      return "a boolean (true or false)";
    case K.ZodEnum:
      return `one of ${(def.values as string[]).map((v) => JSON.stringify(v)).join(", ")}`;
    case K.ZodNativeEnum: {
      const values = Object.entries(def.values as Record<string, unknown>)
        .filter(([k]) => !/^\d+$/.test(k))
        .map(([, v]) => JSON.stringify(v));
      return `one of ${values.join(", ")}`;
    }
    case K.ZodLiteral:
      return `exactly ${JSON.stringify(def.value)}`;
    case K.ZodNull:
      return "null";
    case K.ZodArray: {
      const parts: string[] = [];
      if (def.exactLength) parts.push(`exactly ${count(def.exactLength.value, "item")}`);
      if (def.minLength) parts.push(`at least ${count(def.minLength.value, "item")}`);
      if (def.maxLength) parts.push(`at most ${count(def.maxLength.value, "item")}`);
      const each = `each ${describeSchema(def.type)}`;
      return `an array (${[...parts, each].join(", ")})`;
    }
    case K.ZodTuple:
      return `an array of ${count(def.items.length, "item")}`;
    case K.ZodObject:
    case K.ZodRecord:
      return "an object";
    case K.ZodUnion:
    case K.ZodDiscriminatedUnion:
      return (def.options as AnySchema[]).map(describeSchema).join(" or ");
  }
  return "a valid value";
}

/** Formats a value for an error message: JSON, shortened to about 60 characters. */
function formatValue(value: unknown): string {
  if (value === undefined) return "missing";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  text = text.replace(/\s+/g, " ");
  return text.length > 60 ? text.slice(0, 57) + "..." : text;
}

/** Formats a zod path as a field name: `inner.lr`, `layers[1].width`. */
export function formatFieldPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? key : `.${key}`;
  }
  return out;
}

/** Optimal string alignment distance: edits plus adjacent transpositions ("stesp" -> "steps" is 1). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from(
    { length: a.length + 1 },
    (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

function issueMessage(
  issue: z.ZodIssue,
  schema: AnySchema,
  raw: unknown,
  source: string,
): ConfigError {
  let path: (string | number)[] = [...issue.path];
  let problem: string;
  let value: unknown;
  if (issue.code === z.ZodIssueCode.unrecognized_keys) {
    const key = issue.keys[0]!;
    const parent = unwrap(schemaAt(schema, path) ?? schema);
    const allowed = kindOf(parent) === K.ZodObject
      ? Object.keys((parent as z.AnyZodObject).shape)
      : [];
    path = [...path, key];
    value = valueAt(raw, path);
    const hint = closest(key, allowed);
    const list = allowed.length > 0
      ? `allowed fields here are ${allowed.map((k) => JSON.stringify(k)).join(", ")}`
      : "no fields are allowed here";
    problem = `is not a known field${hint ? ` (did you mean "${hint}"?)` : ""}, ${list}`;
  } else {
    value = valueAt(raw, path);
    const target = schemaAt(schema, path);
    switch (issue.code) {
      case z.ZodIssueCode.invalid_type:
      case z.ZodIssueCode.too_small:
      case z.ZodIssueCode.too_big:
      case z.ZodIssueCode.invalid_enum_value:
      case z.ZodIssueCode.invalid_literal:
      case z.ZodIssueCode.not_multiple_of:
      case z.ZodIssueCode.not_finite:
      case z.ZodIssueCode.invalid_union:
      case z.ZodIssueCode.invalid_union_discriminator:
      case z.ZodIssueCode.invalid_string:
        problem = `must be ${target ? describeSchema(target) : issue.message.toLowerCase()}`;
        if (issue.code === z.ZodIssueCode.invalid_enum_value) {
          problem = `must be one of ${issue.options.map((o) => JSON.stringify(o)).join(", ")}`;
        }
        break;
      default:
        problem = issue.message.replace(/[\r\n]+/g, " ").replace(/\.$/, "");
    }
  }
  const field = formatFieldPath(path);
  const where = source ? ` in ${source}` : "";
  const subject = field === ""
    ? `Invalid config${where}`
    : `Invalid config field "${field}"${where}`;
  return new ConfigError(`${subject}: ${problem}: current value is ${formatValue(value)}`, {
    field,
    source,
  });
}

/**
 * Validates `raw` against `schema` made strict at every depth, and returns the resolved config
 * with defaults filled. Throws a `ConfigError` whose one-line message names the first invalid
 * field, what it must be and its current value, and `source` (a file name, "command line").
 */
export function parseConfig<C>(
  schema: ConfigSchema<C>,
  raw: unknown,
  source = "",
): C {
  const zodSchema = schema as unknown as AnySchema;
  const strict = strictSchema(zodSchema);
  const result = strict.safeParse(raw);
  if (result.success) return result.data;
  // An unknown field is usually a typo of a missing one: report it first, it says more.
  const issues = [
    ...result.error.issues.filter((i) => i.code === z.ZodIssueCode.unrecognized_keys),
    ...result.error.issues.filter((i) => i.code !== z.ZodIssueCode.unrecognized_keys),
  ];
  const error = issueMessage(issues[0]!, zodSchema, raw, source);
  if (issues.length > 1) {
    const more = issues.length - 1;
    const message = `${error.message} (and ${more} more problem${more === 1 ? "" : "s"})`;
    throw new ConfigError(message, { field: error.field, source: error.source });
  }
  throw error;
}

/**
 * Reads a JSON config file. Throws a one-line `ConfigError` for a missing or unreadable file and
 * for invalid JSON (with the line and column of the first problem).
 */
export async function readConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "file not found"
      : error instanceof Deno.errors.IsADirectory
      ? "it is a folder"
      : error instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : String((error as Error).message ?? error).split("\n")[0];
    throw new ConfigError(`Cannot read config file "${path}": ${reason}`, { source: path });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text);
  } catch (error) {
    const location = locateJsonError(text);
    const detail = location
      ? `${location.reason} at line ${location.line} column ${location.column}`
      : String((error as Error).message).split("\n")[0];
    throw new ConfigError(`Cannot parse config file "${path}" as JSON: ${detail}`, {
      source: path,
    });
  }
}

/** Reads the JSON config file at `path` and validates it with `parseConfig`. */
export async function loadConfigFile<C>(
  schema: ConfigSchema<C>,
  path: string,
): Promise<C> {
  return parseConfig(schema, await readConfigFile(path), path);
}
