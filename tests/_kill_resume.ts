/**
 * Test helper for issue 17 item 5: runs an experiment through the CLI once uninterrupted, then for
 * each trial starts it again, kills it with SIGKILL after its k-th checkpoint save (the manifest's
 * generation counter) plus a seeded random delay, resumes it with `train --resume`, and asserts the
 * resumed run ends with the same metrics, result, summary metrics and named files (strategies,
 * learned optimizers) as the uninterrupted one, timing fields aside, with the original start time.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const MAIN = new URL("../cli/main.ts", import.meta.url).pathname;
const TIMING = /second|time|elapsed|started|finished|duration|per_s|_s$|throughput|awaits|submits/i;

/** A JSON value with timing fields removed (as the smoke comparison does). */
export function untimed(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(untimed);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v).filter(([k]) => !TIMING.test(k)).map(([k, x]) => [k, untimed(x)]),
    );
  }
  return v;
}

/** metrics.csv without its timing columns. */
export async function untimedMetrics(dir: string): Promise<string[][]> {
  const text = await Deno.readTextFile(join(dir, "metrics.csv"));
  const rows = text.trim().split("\n").map((l) => l.split(","));
  const keep = rows[0]!.map((h, i) => (TIMING.test(h) ? -1 : i)).filter((i) => i >= 0);
  return rows.map((r) => keep.map((i) => r[i]!));
}

const json = async (dir: string, f: string) => JSON.parse(await Deno.readTextFile(join(dir, f)));

/** What `assertKillResume` runs. */
export interface KillResumeCase {
  /** Experiment name. */
  experiment: string;
  /** Raw config (written to a file and given with --config). */
  config: Record<string, unknown>;
  /** Kill after this many checkpoint saves, one trial each. */
  killAfterSaves: number[];
  /** Files of the run folder that must be identical too (besides metrics, result and summary). */
  files?: string[];
  /** Seed of the random delays (default 12345). */
  seed?: number;
  /**
   * Most milliseconds between seeing the save a trial waits for and the kill (a seeded random
   * delay; default 40). 0 kills at once, for a trial that must land inside the phase that save
   * was in.
   */
  maxDelayMs?: number;
}

/** The `train` arguments of a run of `c`. */
function trainArgs(c: KillResumeCase, config: string, out: string): string[] {
  const a = ["run", "-A", MAIN, "train", c.experiment, "--scale", "smoke", "--config", config];
  return [...a, "--seed", "3", "--out", out, "--quiet"];
}

/** Where a killed run stood: its checkpoint saves, its folder and the phase it saved inside. */
export interface KilledRun {
  /** Checkpoint saves (the manifest's generation; 0 before the first). */
  saves: number;
  /** The run folder ("" before it exists). */
  runDir: string;
  /** The phase whose progress the last checkpoint holds (a save inside a phase), or null. */
  inside: string | null;
}

/** The saves of the run under `out` so far (0 before its first checkpoint) and its folder. */
function savesOf(out: string): KilledRun {
  const [name] = existsSync(out) ? readdirSync(out) : [];
  if (!name) return { saves: 0, runDir: "", inside: null };
  const runDir = join(out, name);
  try {
    const m = JSON.parse(Deno.readTextFileSync(join(runDir, "checkpoint", "state.json")));
    return {
      saves: m.generation as number,
      runDir,
      inside: m.state?.state?.progress?.phase ?? null,
    };
  } catch {
    return { saves: 0, runDir, inside: null };
  }
}

/** Starts a run of `c`, kills it after `want` saves and a delay; returns its folder. */
async function killedRun(
  c: KillResumeCase,
  config: string,
  out: string,
  o: { want: number; delay: number },
) {
  const child = new Deno.Command(Deno.execPath(), {
    args: trainArgs(c, config, out),
    stdout: "null",
    stderr: "null",
  }).spawn();
  let seen = savesOf(out);
  for (let i = 0; i < 60_000 && seen.saves < o.want; i++) {
    await new Promise((r) => setTimeout(r, 5));
    seen = savesOf(out);
  }
  await new Promise((r) => setTimeout(r, o.delay));
  child.kill("SIGKILL");
  const status = await child.status;
  return { ...savesOf(out), finished: status.success };
}

/** Asserts that the run in `runDir` ends as the run in `refDir` (timing fields aside). */
export async function assertSameRun(runDir: string, refDir: string, files: string[] = []) {
  assert.deepEqual(await untimedMetrics(runDir), await untimedMetrics(refDir));
  assert.deepEqual(
    untimed(await json(runDir, "result.json")),
    untimed(await json(refDir, "result.json")),
  );
  for (const f of files) assert.deepEqual(await json(runDir, f), await json(refDir, f), f);
  const s = await json(runDir, "summary.json");
  assert.equal(s.status, "completed");
  assert.deepEqual(untimed(s.metrics), untimed((await json(refDir, "summary.json")).metrics));
  const info = await json(runDir, "run.json");
  assert.equal(s.startedAt, info.startedAt, "the original start time is kept");
}

/** Runs `c` uninterrupted, then kills and resumes it once per trial; asserts identical ends. */
export async function assertKillResume(c: KillResumeCase): Promise<void> {
  await killResumeRuns(c);
}

/** `assertKillResume`, returning where each killed run stood. */
export async function killResumeRuns(c: KillResumeCase): Promise<KilledRun[]> {
  const tmp = await Deno.makeTempDir();
  try {
    const config = join(tmp, "config.json");
    await Deno.writeTextFile(config, JSON.stringify(c.config));
    const ref = await new Deno.Command(Deno.execPath(), {
      args: trainArgs(c, config, join(tmp, "ref")),
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(ref.code, 0, new TextDecoder().decode(ref.stderr));
    const refDir = join(tmp, "ref", readdirSync(join(tmp, "ref"))[0]!);
    let a = c.seed ?? 12345;
    const rand = () => ((a = (a * 1103515245 + 12345) % 2147483648) / 2147483648);
    const killedRuns: KilledRun[] = [];
    for (const [trial, saves] of c.killAfterSaves.entries()) {
      const out = join(tmp, `killed-${trial}`);
      const killed = await killedRun(c, config, out, {
        want: saves,
        delay: rand() * (c.maxDelayMs ?? 40),
      });
      assert.ok(killed.saves >= 1, "a checkpoint appeared before the kill");
      console.log(
        `${c.experiment} trial ${trial}: killed after ${killed.saves} checkpoint saves (${
          killed.finished ? "it had finished" : "killed"
        }${killed.inside ? `; saved inside ${killed.inside}` : ""})`,
      );
      killedRuns.push(killed);
      const resumed = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", MAIN, "train", "--resume", killed.runDir, "--quiet"],
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.equal(resumed.code, 0, new TextDecoder().decode(resumed.stderr));
      await assertSameRun(killed.runDir, refDir, c.files);
    }
    return killedRuns;
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}
