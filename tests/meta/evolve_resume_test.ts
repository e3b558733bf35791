/**
 * The evolve experiment survives kill -9 at seeded random points: it checkpoints after every
 * meta-generation and every phase, and `--resume` ends with the same metrics, results, summary
 * metrics and strategies.json as a run never interrupted (timing fields aside), keeping the
 * original start time.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fromExactJson, toExactJson } from "../../core/exact_json.ts";
import { CpuBackend } from "../../learners/cpu_backend.ts";
import type { MetaTask } from "../../meta/evolution/meta_task.ts";
import {
  metaTrain,
  type MetaTrainResult,
  type MetaTrainState,
} from "../../meta/evolution/meta_train.ts";

const MAIN = new URL("../../cli/main.ts", import.meta.url).pathname;
const CONFIG = { metaGenerations: 5, populationSize: 4, backend: "cpu" };
const TIMING = /second|time|elapsed|started|finished|duration|per_s|_s$|throughput|awaits|submits/i;

function args(config: string, out: string): string[] {
  return [
    "run",
    "-A",
    MAIN,
    "train",
    "evolve",
    "--scale",
    "smoke",
    "--config",
    config,
    "--seed",
    "3",
    "--out",
    out,
    "--quiet",
  ];
}

/** A JSON value with timing fields removed (as the smoke comparison does). */
function untimed(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(untimed);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v).filter(([k]) => !TIMING.test(k)).map(([k, x]) => [k, untimed(x)]),
    );
  }
  return v;
}

/** metrics.csv without its timing columns. */
async function metrics(dir: string): Promise<string[][]> {
  const rows = (await Deno.readTextFile(join(dir, "metrics.csv"))).trim().split("\n").map((l) =>
    l.split(",")
  );
  const keep = rows[0]!.map((h, i) => (TIMING.test(h) ? -1 : i)).filter((i) => i >= 0);
  return rows.map((r) => keep.map((i) => r[i]!));
}

const json = async (dir: string, f: string) => JSON.parse(await Deno.readTextFile(join(dir, f)));

Deno.test({
  name: "evolve: kill -9 at random points, then --resume, ends as a run never interrupted",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const tmp = await Deno.makeTempDir();
    try {
      const config = join(tmp, "config.json");
      await Deno.writeTextFile(config, JSON.stringify(CONFIG));
      const ref = await new Deno.Command(Deno.execPath(), {
        args: args(config, join(tmp, "ref")),
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.equal(ref.code, 0, new TextDecoder().decode(ref.stderr));
      const refDir = join(tmp, "ref", readdirSync(join(tmp, "ref"))[0]!);
      // Kill points: after the k-th checkpoint save (state.json rewritten k times: 4 meta-generations,
      // then the meta, attribution, held-out and specialized phases), plus a seeded random delay.
      let a = 12345;
      const rand = () => ((a = (a * 1103515245 + 12345) % 2147483648) / 2147483648);
      for (const [trial, wantSaves] of [[0, 1], [1, 4], [2, 7]] as const) {
        const out = join(tmp, `killed-${trial}`);
        const child = new Deno.Command(Deno.execPath(), {
          args: args(config, out),
          stdout: "null",
          stderr: "null",
        }).spawn();
        let saves = 0;
        let last = 0;
        let runDir = "";
        for (let i = 0; i < 2000 && saves < wantSaves; i++) {
          await new Promise((r) => setTimeout(r, 5));
          const [name] = existsSync(out) ? readdirSync(out) : [];
          const state = name ? join(out, name, "checkpoint", "state.json") : "";
          if (state && existsSync(state)) {
            runDir = join(out, name!);
            const m = Deno.statSync(state).mtime?.getTime() ?? 0;
            if (m !== last) (last = m), saves++;
          }
        }
        await new Promise((r) => setTimeout(r, Math.floor(rand() * 40)));
        child.kill("SIGKILL");
        const status = await child.status;
        assert.ok(runDir, "a checkpoint appeared");
        console.log(
          `trial ${trial}: killed after ${saves} checkpoint saves (${
            status.success ? "it had finished" : "killed"
          })`,
        );
        const resumed = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", MAIN, "train", "--resume", runDir, "--quiet"],
          stdout: "null",
          stderr: "piped",
        }).output();
        assert.equal(resumed.code, 0, new TextDecoder().decode(resumed.stderr));
        assert.deepEqual(await metrics(runDir), await metrics(refDir));
        assert.deepEqual(
          untimed(await json(runDir, "result.json")),
          untimed(await json(refDir, "result.json")),
        );
        assert.deepEqual(
          await json(runDir, "strategies.json"),
          await json(refDir, "strategies.json"),
        );
        const s = await json(runDir, "summary.json");
        assert.equal(s.status, "completed");
        assert.deepEqual(untimed(s.metrics), untimed((await json(refDir, "summary.json")).metrics));
        const info = await json(runDir, "run.json");
        assert.equal(s.startedAt, info.startedAt, "the original start time is kept");
      }
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

Deno.test("metaTrain() resumed from its checkpoint state at every meta-generation gives the same result, without redoing meta-generations", async () => {
  const backend = new CpuBackend();
  const tasks: MetaTask[] = [{
    kind: "objective",
    name: "sphere",
    objective: "sphere",
    dim: 4,
    task: 0,
  }];
  const o = {
    modelsPerSegment: 6,
    generations: 4,
    replicates: 1,
    seed: 9,
    populationSize: 4,
    metaGenerations: 4,
  };
  const states: unknown[] = [];
  const whole = await metaTrain(backend, tasks, {
    ...o,
    onCheckpoint: (s) => void states.push(toExactJson(s)),
  });
  assert.equal(states.length, 3);
  const strip = (r: MetaTrainResult) => untimed(r);
  for (const [k, saved] of states.entries()) {
    const seen: number[] = [];
    const resumed = await metaTrain(backend, tasks, {
      ...o,
      resume: fromExactJson(JSON.parse(JSON.stringify(saved))) as MetaTrainState,
      onGeneration: (row) => void seen.push(row.metaGeneration),
    });
    assert.deepEqual(seen, [1, 2, 3].slice(k), `resumed after meta-generation ${k}`);
    assert.deepEqual(strip(resumed), strip(whole));
  }
});
