/**
 * The synthetic family's latent Bayes rule on the very episodes a `meta` run tests (or validates)
 * on: the reference `syntheticBayesCeiling` is an average over the family, and 100 test episodes
 * can sit a point or more from it. It rebuilds each episode's latent points with the family's own
 * `SyntheticClassification.latentPoints` and scores them with the experiment's
 * `syntheticTestCeiling`, so with `--run` it prints what the report's "ceiling: latent Bayes on
 * these test episodes" row holds.
 *
 *   deno run -A tools/synthetic_episode_ceiling.ts [--seed 0] [--seeds 1] [--tag test]
 *     [--episodes 100] [--ways 5] [--shots 1] [--queries 15] [--difficulty 0.9]
 *   deno run -A tools/synthetic_episode_ceiling.ts --run runs/<meta run> [--tag test]
 *
 * `--seed` is the run's `--seed` (meta's seed i of it is deriveSeed(seed, i), i < `--seeds`),
 * `--tag` the pool ("test" or "val"), the other flags the family (map seed 0, as the `meta`
 * settings). `--run` reads them from a `meta` run folder (run.json's seed; config.json's seeds,
 * testEpisodes or valEpisodes, difficulty and synthetic settings) and takes no other flag but
 * `--tag`. Prints the accuracy in percent; bad flags: one line on stderr, exit 2.
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseConfig, readConfigFile } from "../core/config_schema.ts";
import { errorLine, InputError } from "../core/input_error.ts";
import { deriveSeed } from "../core/rng.ts";
import { RUN_FILES } from "../core/run_dir.ts";
import { RUN_INFO_FILE } from "../core/run_info.ts";
import { checkSeed } from "../core/run_prepare.ts";
import { SyntheticClassification } from "../learners/tasks/synthetic_classification.ts";
import { META_SCHEMA } from "../meta/few_shot/config.ts";
import { syntheticTestCeiling } from "../meta/few_shot/references.ts";
import { buildSetting } from "../meta/few_shot/settings.ts";

/** What the tool scores: a family, the run seed, its seed count, the pool and its size. */
export interface CeilingArgs {
  /** The run's seed (meta's seed i is deriveSeed(seed, i)). */
  seed: number;
  /** Number of the run's seeds. */
  seeds: number;
  /** The pool: "test" or "val". */
  tag: "test" | "val";
  /** Episodes per seed's pool. */
  episodes: number;
  /** Classes per episode. */
  ways: number;
  /** Support points per class. */
  shots: number;
  /** Query points per class. */
  queries: number;
  /** Family difficulty in [0, 1]. */
  difficulty: number;
}

/** The parsed command line: explicit family flags, or a run folder to read them from. */
export type CeilingCommand =
  | { kind: "flags"; args: CeilingArgs }
  | { kind: "run"; dir: string; tag: "test" | "val" };

const FAMILY_FLAGS = ["seed", "seeds", "episodes", "ways", "shots", "queries", "difficulty"];

function number(name: string, v: string | undefined, fallback: number, lo: number, hi: number) {
  if (v === undefined) return fallback;
  // Number("") is 0: a value must be written out.
  const n = /^\s*$/.test(v) ? NaN : Number(v);
  const integer = name !== "difficulty";
  if (!(n >= lo && n <= hi) || (integer && !Number.isInteger(n))) {
    throw new InputError(
      `Invalid --${name}: must be ${integer ? "an integer" : "a number"} in [${lo}, ${hi}]: ` +
        `current value is ${JSON.stringify(v)}`,
      { field: name },
    );
  }
  return n;
}

/** Parses the tool's flags; bad ones throw a one-line `InputError`. */
export function parseCeilingArgs(argv: string[]): CeilingCommand {
  let values: Record<string, string | undefined>;
  try {
    const str = { type: "string" } as const;
    values = parseArgs({
      args: argv,
      options: Object.fromEntries([...FAMILY_FLAGS, "tag", "run"].map((f) => [f, str])),
    }).values as Record<string, string | undefined>;
  } catch (error) {
    throw new InputError(`Invalid flags: ${errorLine(error)}`);
  }
  const tag = values.tag ?? "test";
  if (tag !== "test" && tag !== "val") {
    throw new InputError(
      `Invalid --tag: must be "test" or "val": current value is ${JSON.stringify(tag)}`,
    );
  }
  if (values.run !== undefined) {
    const extra = FAMILY_FLAGS.filter((f) => values[f] !== undefined);
    if (extra.length > 0) {
      throw new InputError(
        `Invalid --${
          extra[0]
        }: --run reads it from the run folder; give --run alone (or with --tag)`,
      );
    }
    return { kind: "run", dir: values.run, tag };
  }
  const MAX = 0xffffffff;
  return {
    kind: "flags",
    args: {
      seed: number("seed", values.seed, 0, 0, MAX),
      seeds: number("seeds", values.seeds, 1, 1, 1000),
      tag,
      episodes: number("episodes", values.episodes, 100, 1, 1e6),
      ways: number("ways", values.ways, 5, 1, 1000),
      shots: number("shots", values.shots, 1, 1, 1000),
      queries: number("queries", values.queries, 15, 1, 1000),
      difficulty: number("difficulty", values.difficulty, 0.9, 0, 1),
    },
  };
}

/** The run's seeds: deriveSeed(seed, i) for i < count, as the `meta` experiment derives them. */
function runSeeds(seed: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => deriveSeed(seed, i));
}

/** The Bayes rule's accuracy on the pool the flags describe. */
export function flagsCeiling(a: CeilingArgs): number {
  const family = new SyntheticClassification({
    ways: a.ways,
    shots: a.shots,
    queryPerClass: a.queries,
    difficulty: a.difficulty,
    familySeed: 0,
  });
  return syntheticTestCeiling(family, runSeeds(a.seed, a.seeds), {
    episodes: a.episodes,
    tag: a.tag,
  });
}

/** The seed in a `meta` run folder's run.json; a one-line `InputError` when it is not one. */
async function runSeed(dir: string): Promise<number> {
  let info: { experiment?: unknown; seed?: unknown };
  try {
    info = JSON.parse(await Deno.readTextFile(join(dir, RUN_INFO_FILE)));
  } catch (error) {
    throw new InputError(
      `Invalid --run: must be a run folder with ${RUN_INFO_FILE}: ${errorLine(error)}`,
      { file: dir },
    );
  }
  if (info.experiment !== "meta") {
    throw new InputError(
      `Invalid --run: must be a run of the meta experiment: current value is ${
        JSON.stringify(info.experiment)
      }`,
      { file: dir },
    );
  }
  return checkSeed(info.seed);
}

/** The Bayes rule's accuracy on pool `tag` of each synthetic setting of the `meta` run in `dir`. */
export async function runCeilings(
  dir: string,
  tag: "test" | "val" = "test",
): Promise<{ setting: string; episodes: number; seeds: number; accuracy: number }[]> {
  const seed = await runSeed(dir);
  const path = join(dir, RUN_FILES.config);
  const c = parseConfig(META_SCHEMA, await readConfigFile(path), path);
  const seeds = runSeeds(seed, c.seeds);
  const episodes = tag === "test" ? c.testEpisodes : c.valEpisodes;
  const out = [];
  for (const name of c.settings.filter((n) => n.startsWith("synthetic"))) {
    const s = await buildSetting(name, c, () => {});
    // The synthetic settings' val and test families are one, `s.synthetic`.
    if (!s.synthetic) continue;
    const accuracy = syntheticTestCeiling(s.synthetic, seeds, { episodes, tag });
    out.push({ setting: name, episodes, seeds: seeds.length, accuracy });
  }
  return out;
}

async function main(argv: string[]): Promise<void> {
  const cmd = parseCeilingArgs(argv);
  if (cmd.kind === "flags") {
    const a = cmd.args;
    console.log(
      `${a.tag} pools of ${a.seeds} seed(s) of run seed ${a.seed}, ${a.episodes} episodes each, ${a.ways}-way ${a.shots}-shot, ${a.queries} queries, difficulty ${a.difficulty}: latent Bayes rule ${
        (100 * flagsCeiling(a)).toFixed(2)
      }%`,
    );
    return;
  }
  const rows = await runCeilings(cmd.dir, cmd.tag);
  if (rows.length === 0) console.log(`${cmd.dir}: no synthetic setting`);
  for (const r of rows) {
    console.log(
      `${r.setting}: ${cmd.tag} pools of ${r.seeds} seed(s), ${r.episodes} episodes each: latent Bayes rule ${
        (100 * r.accuracy).toFixed(2)
      }%`,
    );
  }
}

if (import.meta.main) {
  try {
    await main(Deno.args);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    console.error(`synthetic_episode_ceiling: ${error.message}`);
    Deno.exit(2);
  }
}
