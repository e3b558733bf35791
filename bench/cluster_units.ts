/**
 * Cluster bench of the meta and l2o units (`deno run -A bench/cluster_units.ts`): starts a
 * nats-server on a free loopback port, then times (1) a `meta` run whose setting x seed x method
 * runs are jobs and (2) the learned optimizers' meta-training of an `l2o` run, whose ES and
 * REINFORCE generations are one job per task, in one process and with 1, 2 and 4 local cpu worker
 * processes. Each run has its own seed (identical jobs would be reused from the results bucket).
 * Also prints the bound the job sizes put on the speed-up (sum of the single-process method times
 * over the longest). Needs nats-server on PATH.
 * @module
 */
import { join } from "node:path";
import { META_METHODS } from "../meta/few_shot/config.ts";
import { startServer, startWorkers, stopWorkers } from "./_cluster_server.ts";

const META = {
  settings: ["synthetic-1shot", "sinusoid"],
  methods: [...META_METHODS],
  metaIterations: 300,
};
const L2O = {
  es: { pairs: 6, tasks: 4, generations: 6, minUnroll: 40, maxUnroll: 60 },
};

/** Runs `train EXP` (smoke scale, cpu) and returns its stderr lines and the run's seconds. */
async function train(
  exp: string,
  out: string,
  seed: number,
  cluster?: string,
): Promise<{ lines: string[]; seconds: number }> {
  const args = ["run", "-A", "cli/main.ts", "train", exp, "--scale", "smoke", "--backend", "cpu"];
  args.push("--seed", String(seed), "--config", join(out, "..", `${exp}.json`), "--out", out);
  if (cluster) args.push("--cluster", cluster);
  const t0 = performance.now();
  const r = await new Deno.Command(Deno.execPath(), {
    args,
    stdout: "null",
    env: { NO_COLOR: "1" },
  }).output();
  const seconds = (performance.now() - t0) / 1000;
  const text = new TextDecoder().decode(r.stderr);
  if (!r.success) throw new Error(text);
  return { lines: text.split(/[\r\n]+/), seconds };
}

/** Seconds of every line matching `re` (its first group). */
function secondsOf(lines: string[], re: RegExp): number[] {
  return lines.map((l) => re.exec(l)?.[1]).filter((x) => x !== undefined).map(Number);
}

const METHOD_LINE = /seed \d+ [\w-]+: ([\d.]+) s, test/;
const LEARN_LINE = /meta-trained .* in ([\d.]+) s/;

/** Times `exp` in one process and on 1, 2, 4 workers; `measure` picks the timed part. */
async function compare(
  url: string,
  dir: string,
  exp: string,
  measure: (r: { lines: string[]; seconds: number }) => number,
  describe: (seconds: number, r: { lines: string[] }, single: boolean) => string,
  seed: number,
): Promise<void> {
  const single = await train(exp, join(dir, `${exp}-single`), seed);
  const base = measure(single);
  console.log(`  single process: ${describe(base, single, true)}`);
  for (const n of [1, 2, 4]) {
    const procs = await startWorkers(url, n, `${exp}${n}`);
    try {
      const r = await train(exp, join(dir, `${exp}-w${n}`), seed + n, url);
      const s = measure(r);
      console.log(`  ${n} workers: ${describe(s, r, false)} (${(base / s).toFixed(2)}x)`);
    } finally {
      await stopWorkers(procs);
    }
  }
}

if (import.meta.main) {
  const dir = await Deno.makeTempDir();
  const server = await startServer(join(dir, "store"));
  try {
    await Deno.writeTextFile(join(dir, "meta.json"), JSON.stringify(META));
    await Deno.writeTextFile(join(dir, "l2o.json"), JSON.stringify(L2O));
    // One job per setting x seed x method (smoke: 1 seed).
    const jobs = META.settings.length * META.methods.length;
    const { methods: _, ...shown } = META;
    console.log(`meta (smoke scale, ${JSON.stringify(shown)}, all methods, cpu): whole run`);
    await compare(server.url, dir, "meta", (r) => r.seconds, (s, r, single) => {
      const out = `${s.toFixed(1)} s, ${jobs} method jobs, ${(jobs / s).toFixed(2)} jobs/s`;
      if (!single) return out;
      // In one process each method's logged time is its own run's time.
      const times = secondsOf(r.lines, METHOD_LINE);
      const bound = times.reduce((a, b) => a + b, 0) / Math.max(...times);
      return `${out}; job-size bound on the speed-up ${bound.toFixed(1)}x`;
    }, 200);
    console.log(`l2o (smoke scale, ${JSON.stringify(L2O)}, cpu): the three meta-trainings`);
    const gens = 3 * L2O.es.generations;
    await compare(
      server.url,
      dir,
      "l2o",
      (r) => secondsOf(r.lines, LEARN_LINE).reduce((a, b) => a + b, 0),
      (s) =>
        `${s.toFixed(1)} s, ${(gens / s).toFixed(2)} generations/s (${L2O.es.tasks} jobs each)`,
      300,
    );
  } finally {
    server.proc.kill("SIGTERM");
    await server.proc.status;
    await Deno.remove(dir, { recursive: true });
  }
}
