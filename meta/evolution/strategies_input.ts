/**
 * Reading a strategies.json a user hands to a run (`--strategies`, or the evolve config's
 * `strategies` field) as input: every problem is one `InputError` line naming the file and the
 * field. Beyond `loadStrategies`, a genome must carry every gene (a file that means to leave genes
 * to the baseline says so with `"partial": true` at the top level), the meta-objective weights
 * must be numbers >= 0 and not all 0, and the universal best's tournament must fit the active
 * population of the run that uses it.
 * @module
 */

import { InputError } from "../../core/input_error.ts";
import { readInputJson } from "../../core/input_files.ts";
import {
  activeCount,
  GENE_NAMES,
  type StrategyGenome,
} from "../../learners/evolution/evolution_genome.ts";
import { loadStrategies, type StrategiesFile } from "./strategies_file.ts";

/** Options of `readStrategiesFile`. */
export interface ReadStrategiesOptions {
  /** Models per segment of the run that will use the universal best (checks its tournament). */
  modelsPerSegment?: number;
}

/** Reads and validates a strategies file; throws one-line `InputError`s naming the file and field. */
export async function readStrategiesFile(
  path: string,
  options: ReadStrategiesOptions = {},
): Promise<StrategiesFile> {
  const what = "strategies file";
  const raw = await readInputJson(path, what);
  const fail = (detail: string, field = ""): never => {
    throw new InputError(`Invalid ${what} "${path}": ${detail}`, { file: path, field });
  };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return fail(`must be a JSON object: current value is ${JSON.stringify(raw)?.slice(0, 40)}`);
  }
  const r = raw as Record<string, unknown>;
  if (r.partial !== undefined && typeof r.partial !== "boolean") {
    fail(`partial must be true or false: current value is ${JSON.stringify(r.partial)}`, "partial");
  }
  checkShapes(r, fail);
  if (r.partial !== true) checkEveryGene(r, fail);
  checkWeights(r.weights, fail);
  let file: StrategiesFile;
  try {
    file = loadStrategies(JSON.stringify(raw));
  } catch (error) {
    // loadStrategies only validates: its TypeErrors and RangeErrors describe the file.
    if (!(error instanceof TypeError || error instanceof RangeError)) throw error;
    return fail(error.message.replace(/^Invalid (strategies file: )?/, ""));
  }
  if (options.modelsPerSegment !== undefined) {
    checkTournament(file.universalBest.genome, options.modelsPerSegment, fail);
  }
  return file;
}

type Fail = (detail: string, field?: string) => never;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
// Scores are numbers; a score that was NaN when exported is null in JSON.
const isScore = (v: unknown): boolean => v === null || typeof v === "number";

/** Checks the types of the fields besides genomes and weights (scores, task names, lists). */
function checkShapes(r: Record<string, unknown>, fail: Fail): void {
  const want = (ok: boolean, field: string, what: string, value: unknown): void => {
    if (!ok) {
      fail(
        `${field} must be ${what}: ${
          value === undefined
            ? "it is missing"
            : `current value is ${JSON.stringify(value).slice(0, 40)}`
        }`,
        field,
      );
    }
  };
  const ub = r.universalBest;
  want(isObject(ub), "universalBest", "an object", ub);
  want(
    isScore((ub as Record<string, unknown>).metaFitness),
    "universalBest.metaFitness",
    "a number",
    (ub as Record<string, unknown>).metaFitness,
  );
  if (r.tasks !== undefined) {
    want(
      Array.isArray(r.tasks) && r.tasks.every((t) => typeof t === "string"),
      "tasks",
      "an array of task names",
      r.tasks,
    );
  }
  for (const list of ["perTaskBest", "top"] as const) {
    const items = r[list];
    want(Array.isArray(items), list, "an array", items);
    (items as unknown[]).forEach((e, i) => {
      const at = `${list}[${i}]`;
      want(isObject(e), at, "an object", e);
      const o = e as Record<string, unknown>;
      if (list === "perTaskBest") {
        want(typeof o.task === "string", `${at}.task`, "a task name", o.task);
        want(isScore(o.score), `${at}.score`, "a number", o.score);
      } else {
        want(isScore(o.metaFitness), `${at}.metaFitness`, "a number", o.metaFitness);
        const per = o.perTask;
        want(
          per === undefined || (isObject(per) && Object.values(per).every(isScore)),
          `${at}.perTask`,
          "an object of numbers",
          per,
        );
      }
    });
  }
  if (r.attribution !== undefined) {
    const ok = Array.isArray(r.attribution) &&
      r.attribution.every((a) =>
        isObject(a) && typeof a.group === "string" &&
        ["delta", "ci95Low", "ci95High"].every((k) => isScore(a[k]))
      );
    want(ok, "attribution", "an array of { group, delta, ci95Low, ci95High }", r.attribution);
  }
}

function genomesOf(r: Record<string, unknown>): [string, unknown][] {
  const out: [string, unknown][] = [];
  const ub = r.universalBest as { genome?: unknown } | undefined;
  if (ub && typeof ub === "object") out.push(["universalBest.genome", ub.genome]);
  for (const list of ["perTaskBest", "top"] as const) {
    const items = r[list];
    if (!Array.isArray(items)) continue;
    items.forEach((e, i) => {
      if (e && typeof e === "object") {
        out.push([`${list}[${i}].genome`, (e as { genome?: unknown }).genome]);
      }
    });
  }
  return out;
}

function checkEveryGene(r: Record<string, unknown>, fail: Fail): void {
  for (const [where, genome] of genomesOf(r)) {
    if (typeof genome !== "object" || genome === null || Array.isArray(genome)) continue;
    const missing = GENE_NAMES.filter((g) => !(g in genome));
    if (missing.length > 0) {
      fail(
        `${where} is missing gene "${missing[0]}"${
          missing.length > 1 ? ` (and ${missing.length - 1} more)` : ""
        }: every gene is required, or set "partial": true at the top level to fill missing genes with the baseline's values`,
        `${where}.${missing[0]}`,
      );
    }
  }
}

function checkWeights(weights: unknown, fail: Fail): void {
  if (weights === undefined) return;
  if (typeof weights !== "object" || weights === null || Array.isArray(weights)) {
    fail(`weights must be an object of numbers >= 0: current value is ${JSON.stringify(weights)}`);
  }
  const entries = Object.entries(weights as Record<string, unknown>);
  for (const [k, v] of entries) {
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      fail(`weights.${k} must be a finite number >= 0: current value is ${JSON.stringify(v)}`);
    }
  }
  if (entries.length > 0 && entries.every(([, v]) => v === 0)) {
    fail("weights must have at least one weight > 0: current values are all 0", "weights");
  }
}

function checkTournament(g: StrategyGenome, m: number, fail: Fail): void {
  const active = activeCount(g, m);
  if (g.selection === "tournament" && g.tournamentSize > active) {
    fail(
      `universalBest.genome.tournamentSize must be <= the active population of ${active} models (min of its populationSize ${g.populationSize} and modelsPerSegment ${m}): current value is ${g.tournamentSize}`,
      "universalBest.genome.tournamentSize",
    );
  }
}
