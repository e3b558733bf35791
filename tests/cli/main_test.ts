import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const MAIN = new URL("../../cli/main.ts", import.meta.url).pathname;

async function cli(
  args: string[],
  env?: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    stdout: "piped",
    stderr: "piped",
    env,
  })
    .output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

Deno.test("cli main() rejects bad flags with exit code 2, a one-line message and no run folder", async () => {
  const dir = await Deno.makeTempDir();
  const cases: [string[], RegExp][] = [
    [
      ["train", "--seed=-1", "--out", dir],
      /--seed: must be an integer in \[0, 4294967295\]: current value is -1/,
    ],
    [
      ["train", "--backend", "tpu", "--out", dir],
      /--backend: must be gpu, cpu or auto: current value is tpu/,
    ],
    [
      ["train", "--scale", "huge", "--out", dir],
      /--scale: must be smoke, default or full: current value is huge/,
    ],
    [["train", "no-such-experiment", "--out", dir], /no-such-experiment/],
    [["frobnicate"], /Unknown command "frobnicate"/],
    [["train", "--bogus"], /Unknown option .--bogus./],
  ];
  for (const [args, re] of cases) {
    const r = await cli(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split("\n").filter((l) => l.startsWith("metaforge:")).length, 1);
  }
  assert.deepEqual(readdirSync(dir), []);
});

Deno.test("cli train rejects an out-of-range config field naming it, and writes nothing", async () => {
  const dir = await Deno.makeTempDir();
  const cfg = join(dir, "bad.json");
  await Deno.writeTextFile(cfg, JSON.stringify({ rates: 1 }));
  const out = join(dir, "runs");
  const r = await cli(["train", "lr-sweep", "--config", cfg, "--out", out]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /"rates"/);
  assert.equal(existsSync(out), false);
});

Deno.test("cli train --scale smoke writes a run folder and prints the best and worst learning rate", async () => {
  const out = await Deno.makeTempDir();
  const r = await cli(["train", "--scale", "smoke", "--backend", "cpu", "--out", out, "--quiet"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /best_lr: [0-9.e+-]+/);
  assert.match(r.stdout, /worst_accuracy: [0-9.]+/);
  const [run] = readdirSync(out);
  for (const f of ["config.json", "metrics.csv", "summary.json", "report.md", "dashboard.html"]) {
    assert.ok(existsSync(join(out, run!, f)), f);
  }
  // The summary says where it computed (the config's backend may be "auto").
  const summary = JSON.parse(await Deno.readTextFile(join(out, run!, "summary.json")));
  assert.equal(summary.metrics.backend, "cpu");
  const rep = await cli(["report", join(out, run!)]);
  assert.equal(rep.code, 0, rep.stderr);
  assert.match(rep.stdout, /report\.md/);
});

// Deno 2.9.6's WebGPU asks only the backends DENO_WEBGPU_BACKEND names: dx12 exists on no Linux
// machine, so no adapter is found, as on a machine without a GPU or Mesa's lavapipe.
const NO_ADAPTER = { DENO_WEBGPU_BACKEND: "dx12" };

Deno.test("cli train without any WebGPU adapter says so in one line and runs on the CPU backend", async () => {
  const info = await cli(["info"], NO_ADAPTER);
  assert.match(
    info.stdout,
    /No WebGPU adapter found.*backend: cpu/,
    "DENO_WEBGPU_BACKEND=dx12 hid no adapter",
  );
  const out = await Deno.makeTempDir();
  const r = await cli(["train", "lr-sweep", "--scale", "smoke", "--out", out], NO_ADAPTER);
  assert.equal(r.code, 0, r.stderr);
  const said = (r.stdout + r.stderr).split("\n").filter((l) => l.includes("WebGPU"));
  assert.deepEqual(said, [
    "No WebGPU adapter found (on a machine without a GPU, install mesa-vulkan-drivers); " +
    "running on the CPU backend",
  ]);
  assert.match(r.stdout + r.stderr, /CPU backend \(plain TypeScript twins of the kernels\)/);
  assert.match(r.stdout, /best_lr: [0-9.e+-]+/);
  const [run] = readdirSync(out);
  const summary = JSON.parse(await Deno.readTextFile(join(out, run!, "summary.json")));
  assert.equal(summary.metrics.backend, "cpu");
});
