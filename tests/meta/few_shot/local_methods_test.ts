/**
 * The `meta` experiment's local method workers (meta/few_shot/local_methods.ts): how many "auto"
 * takes; a run with 2 workers equals the run with 1 (metrics, summary and report, timing aside),
 * also when it is killed -9 after a checkpoint and resumed; a job that throws stops the runner with
 * an error that names the method; the runner's values equal the jobs run in this thread.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError, parseConfig } from "../../../core/config_schema.ts";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import { backendRunsOnHost } from "../../../learners/create_backend.ts";
import { GpuUnavailableError } from "../../../core/gpu_context.ts";
import { sharedGpu } from "../../helpers.ts";
import { META_SCHEMA, type MetaConfig } from "../../../meta/few_shot/config.ts";
import { localMethodRunner, methodWorkerPlan } from "../../../meta/few_shot/local_methods.ts";
import {
  type MethodJob,
  type MethodJobValue,
  runMethodJob,
} from "../../../meta/few_shot/method_jobs.ts";
import { runDir, runResults, summaryBackend } from "../../cli/_run_results.ts";
import { Child } from "../../core/cluster/_cluster_harness.ts";
import { withTempDir } from "../../_temp_dir.ts";

Deno.test("methodWorkerPlan: auto takes the cores on a host-bound backend, 1 on a device", () => {
  const n = (w: "auto" | number, host: boolean, jobs: number, cores: number) =>
    methodWorkerPlan(w, "auto", host, jobs, cores).workers;
  assert.equal(n("auto", true, 20, 2), 2);
  assert.equal(n("auto", true, 20, 16), 8, "at most MAX_AUTO_WORKERS");
  assert.equal(n("auto", true, 3, 16), 3, "never more than the jobs");
  assert.equal(n("auto", false, 20, 16), 1, "a hardware GPU runs one method at a time");
  assert.equal(n(4, false, 20, 1), 4, "a number is taken as given");
  assert.equal(n(4, true, 0, 2), 1);
});

Deno.test("methodWorkerPlan: CPU-backend workers where the backend runs on the host, unless gpu was asked", () => {
  assert.deepEqual(methodWorkerPlan("auto", "auto", true, 20, 2), { workers: 2, backend: "cpu" });
  assert.deepEqual(methodWorkerPlan("auto", "cpu", true, 20, 2), { workers: 2, backend: "cpu" });
  // An explicit gpu on a software adapter keeps its device, one method at a time.
  assert.deepEqual(methodWorkerPlan("auto", "gpu", true, 20, 2), { workers: 1, backend: "gpu" });
  assert.deepEqual(methodWorkerPlan(3, "gpu", true, 20, 2), { workers: 3, backend: "gpu" });
  // A hardware GPU: one method at a time on it unless workers says otherwise.
  assert.deepEqual(methodWorkerPlan("auto", "auto", false, 20, 16), {
    workers: 1,
    backend: "auto",
  });
  assert.deepEqual(methodWorkerPlan(2, "auto", false, 20, 16), { workers: 2, backend: "auto" });
});

Deno.test("backendRunsOnHost: the backend's runsOnHost, found without creating it", async () => {
  assert.equal(await backendRunsOnHost("cpu"), true);
  const probe = await sharedGpu();
  // "auto" is the shared context's kind, or the CPU backend without an adapter.
  const want = probe instanceof GpuUnavailableError ? true : probe.software;
  assert.equal(await backendRunsOnHost("auto"), want);
  if (!(probe instanceof GpuUnavailableError)) {
    assert.equal(await backendRunsOnHost("gpu"), want);
  }
});

Deno.test("meta config: workers is auto or 1-64, else the field is named", () => {
  assert.equal(META_SCHEMA.parse({}).workers, "auto");
  assert.equal(META_SCHEMA.parse({ workers: 3 }).workers, 3);
  for (const bad of [0, 65, 1.5, "two", null]) {
    assert.throws(
      () => parseConfig(META_SCHEMA, { workers: bad }, "f.json"),
      (e: Error) => e instanceof ConfigError && /workers/.test(e.message) && !/\n/.test(e.message),
      `workers ${bad}`,
    );
  }
});

/** A small synthetic config: 3 meta-learners and the baseline, a few iterations each. */
function smallConfig(): MetaConfig {
  return META_SCHEMA.parse({
    settings: ["synthetic-1shot"],
    seeds: 1,
    hidden: [8],
    methods: ["baseline", "reptile", "fomaml", "protonet"],
    metaIterations: 6,
    metaBatch: 4,
    innerSteps: 2,
    tune: { trials: 2, fraction: 0.34 },
    trainPool: 16,
    testEpisodes: 8,
    valEpisodes: 4,
    curvePoints: 3,
    evalSteps: 3,
    baselineLrs: [0.1],
    crossDomain: null,
  });
}

/** `v` without its timing fields (seconds, iterations per second), typed arrays kept. */
function noTiming(v: MethodJobValue): unknown {
  const strip = (x: unknown): unknown => {
    if (x instanceof Map) return new Map([...x].map(([k, y]) => [k, strip(y)]));
    if (Array.isArray(x)) return x.map(strip);
    if (x === null || typeof x !== "object" || ArrayBuffer.isView(x)) return x;
    const entries = Object.entries(x).filter(([k]) => !/second/i.test(k));
    return Object.fromEntries(entries.map(([k, y]) => [k, strip(y)]));
  };
  return strip(v);
}

Deno.test("localMethodRunner: 2 workers yield, in job order, the values of the jobs run here (one handed out first)", async () => {
  const config = smallConfig();
  const jobs: MethodJob[] = config.methods.map((method) => ({
    config,
    setting: "synthetic-1shot",
    seed: 11,
    method,
  }));
  const got: MethodJobValue[] = [];
  // ProtoNets handed out first: the values still come back in job order.
  const first = (job: MethodJob) => job.method === "protonet";
  for await (const v of localMethodRunner({ workers: 2, backend: "cpu", first })(jobs)) got.push(v);
  assert.equal(got.length, jobs.length);
  const cpu = new CpuBackend();
  for (let i = 0; i < jobs.length; i++) {
    const want = await runMethodJob(cpu, jobs[i]!);
    assert.ok(got[i]!.seconds! >= 0 && want.seconds! >= 0);
    assert.deepEqual(noTiming(got[i]!), noTiming(want), `job ${i} (${jobs[i]!.method})`);
  }
});

Deno.test("localMethodRunner: a job that throws stops the run with an error naming it", async () => {
  const config = smallConfig();
  const bad = "no-such-method" as MethodJob["method"];
  const jobs: MethodJob[] = [
    { config, setting: "synthetic-1shot", seed: 1, method: "baseline" },
    { config, setting: "synthetic-1shot", seed: 1, method: bad },
  ];
  const got: string[] = [];
  await assert.rejects(
    async () => {
      for await (const v of localMethodRunner({ workers: 2, backend: "cpu" })(jobs)) {
        got.push(v.o ? "value" : "n/a");
      }
    },
    /Method no-such-method on synthetic-1shot seed 1 failed in its worker: /,
  );
  assert.deepEqual(got, ["value"], "the job before it is yielded");
});

/** The run's results (timing aside) without the config's `workers` line, which the report prints. */
async function results(out: string): Promise<Record<string, string>> {
  const r = await runResults(out);
  return Object.fromEntries(
    Object.entries(r).map(([k, v]) => [k, v.replace(/^.*"workers": \d+,?\n/m, "")]),
  );
}

const TRAIN = ["train", "meta", "--scale", "smoke", "--backend", "cpu", "--quiet", "--seed", "7"];

Deno.test("train meta with 2 method workers equals the run with 1, also killed -9 and resumed", async () => {
  await withTempDir(async (dir) => {
    const config = (workers: number) => {
      const f = join(dir, `w${workers}.json`);
      const methods = ["baseline", "reptile", "fomaml", "maml", "protonet", "self-improving"];
      Deno.writeTextFileSync(f, JSON.stringify({ workers, methods, metaIterations: 600 }));
      return f;
    };
    const run = async (workers: number, out: string) => {
      const args = [...TRAIN.filter((a) => a !== "--quiet"), "--config", config(workers)];
      const child = new Child([...args, "--out", join(dir, out)]);
      assert.equal(await child.exit(), 0, child.lines.join("\n"));
      return child;
    };
    await run(1, "one");
    const two = await run(2, "two");
    assert.ok(two.lines.some((l) => /2 methods at once/.test(l)), two.lines.join("\n"));
    const one = await results(join(dir, "one"));
    assert.match((await runResults(join(dir, "one"))).report!, /"workers": 1/);
    assert.deepEqual(await results(join(dir, "two")), one);
    // The summaries say where each computed (runResults leaves that line out of the comparison).
    assert.equal(await summaryBackend(join(dir, "one")), "cpu");
    assert.equal(await summaryBackend(join(dir, "two")), "cpu (2 method workers)");

    // Killed -9 once a method's checkpoint exists, then resumed: the same results.
    const out = join(dir, "killed");
    const child = new Child([...TRAIN, "--config", config(2), "--out", out]);
    let folder = "";
    const saved = () =>
      Deno.stat(join(folder, "checkpoint", "state.json")).then(() => true, () => false);
    while (!folder || !(await saved())) {
      await new Promise((r) => setTimeout(r, 20));
      folder ||= await runDir(out).catch(() => "");
    }
    await child.stop("SIGKILL");
    const done = await Deno.stat(join(folder, "summary.json")).then(() => true, () => false);
    assert.ok(!done, "the run had finished before the kill");
    const resumed = new Child(["train", "--quiet", "--resume", folder]);
    assert.equal(await resumed.exit(), 0, resumed.lines.join("\n"));
    assert.deepEqual(await results(out), one);
  });
});
