import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const MAIN = new URL("../../cli/main.ts", import.meta.url).pathname;
const CONFIG = {
  rates: 4,
  replicates: 2,
  steps: 1500,
  evalEvery: 25,
  checkpointEvery: 2,
  task: { trainPerClass: 60, testPerClass: 30 },
};

function trainArgs(config: string, out: string): string[] {
  return [
    "run",
    "-A",
    MAIN,
    "train",
    "lr-sweep",
    "--config",
    config,
    "--seed",
    "7",
    "--out",
    out,
    "--quiet",
  ];
}

async function run(args: string[]): Promise<Deno.CommandOutput> {
  return await new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "piped" })
    .output();
}

Deno.test({
  name: "train --resume after kill -9 ends with the same files as an uninterrupted run",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const tmp = await Deno.makeTempDir();
    const config = join(tmp, "config.json");
    await Deno.writeTextFile(config, JSON.stringify(CONFIG));
    // The reference: never interrupted.
    const ref = await run(trainArgs(config, join(tmp, "ref")));
    assert.equal(ref.code, 0, new TextDecoder().decode(ref.stderr));
    const refDir = join(tmp, "ref", readdirSync(join(tmp, "ref"))[0]!);

    // Killed with SIGKILL once a checkpoint exists, then resumed.
    const out = join(tmp, "killed");
    const child = new Deno.Command(Deno.execPath(), {
      args: trainArgs(config, out),
      stdout: "null",
      stderr: "null",
    })
      .spawn();
    let runDir = "";
    for (let i = 0; i < 600; i++) {
      await new Promise((r) => setTimeout(r, 50));
      if (!existsSync(out)) continue;
      const [name] = readdirSync(out);
      if (name && existsSync(join(out, name, "checkpoint", "state.json"))) {
        runDir = join(out, name);
        break;
      }
    }
    assert.ok(runDir, "a checkpoint appeared before the run ended");
    await new Promise((r) => setTimeout(r, 150));
    child.kill("SIGKILL");
    const status = await child.status;
    assert.equal(status.success, false, "the run was killed before it finished");
    assert.equal(existsSync(join(runDir, "summary.json")), false);

    const resumed = await run(["run", "-A", MAIN, "train", "--resume", runDir, "--quiet"]);
    assert.equal(resumed.code, 0, new TextDecoder().decode(resumed.stderr));
    assert.equal(
      await Deno.readTextFile(join(runDir, "metrics.csv")),
      await Deno.readTextFile(join(refDir, "metrics.csv")),
    );
    assert.equal(
      await Deno.readTextFile(join(runDir, "result.json")),
      await Deno.readTextFile(join(refDir, "result.json")),
    );
    const a = JSON.parse(await Deno.readTextFile(join(runDir, "summary.json")));
    const b = JSON.parse(await Deno.readTextFile(join(refDir, "summary.json")));
    assert.deepEqual(a.metrics, b.metrics);
    assert.equal(a.rows, b.rows);
  },
});

Deno.test("train --resume rejects a folder that is not a run folder", async () => {
  const tmp = await Deno.makeTempDir();
  const r = await run(["run", "-A", MAIN, "train", "--resume", tmp]);
  assert.equal(r.code, 2);
  assert.match(
    new TextDecoder().decode(r.stderr),
    /--resume: must be a run folder holding run.json/,
  );
});
