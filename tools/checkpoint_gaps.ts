/**
 * How much work a run does between checkpoints (issue 17, item 5: a checkpoint at least every
 * minute of work): runs `train EXPERIMENT` through the CLI, polls its checkpoint manifest every
 * 100 ms, and prints the time to the first save, the longest gap between two saves seen (with the
 * phase saved after it) and the gap from the last save to the end, with the load average. A poll can
 * miss saves that come faster than it, so a gap is an upper bound of the work between two saves.
 *
 *   deno run -A tools/checkpoint_gaps.ts EXPERIMENT [--scale default] [--config FILE]
 *     [--max-seconds 240]
 * @module
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

const MAIN = new URL("../cli/main.ts", import.meta.url).pathname;

/** One save seen by the poll: when, its generation and the phase whose progress it holds. */
interface Seen {
  at: number;
  generation: number;
  phases: number;
  inside: string | null;
}

/** The manifest of the run under `out`, or undefined before its first save. */
function manifestOf(out: string): Omit<Seen, "at"> | undefined {
  const [name] = existsSync(out) ? readdirSync(out) : [];
  if (!name) return undefined;
  try {
    const m = JSON.parse(Deno.readTextFileSync(join(out, name, "checkpoint", "state.json")));
    const s = m.state?.state ?? {};
    return { generation: m.generation, phases: s.phases ?? -1, inside: s.progress?.phase ?? null };
  } catch {
    return undefined;
  }
}

/** Runs the experiment, polling its saves; prints the gaps. */
async function main(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      scale: { type: "string", default: "default" },
      config: { type: "string" },
      "max-seconds": { type: "string", default: "240" },
    },
  });
  const [experiment] = positionals;
  if (!experiment) throw new Error("usage: checkpoint_gaps.ts EXPERIMENT [options]");
  const out = await Deno.makeTempDir({ prefix: "checkpoint_gaps_" });
  const config = values.config ? ["--config", values.config] : [];
  const cmd = ["run", "-A", MAIN, "train", experiment, "--scale", values.scale!, ...config];
  const load = () => Deno.loadavg()[0]!.toFixed(1);
  const load0 = load();
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [...cmd, "--out", out, "--quiet"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  let finished = false;
  child.status.then(() => (finished = true));
  const seen: Seen[] = [];
  const limit = 1000 * Number(values["max-seconds"]);
  while (!finished && performance.now() - t0 < limit) {
    await new Promise((r) => setTimeout(r, 100));
    const m = manifestOf(out);
    if (m && m.generation !== seen.at(-1)?.generation) seen.push({ at: performance.now(), ...m });
  }
  if (!finished) child.kill("SIGKILL");
  await child.status;
  const end = performance.now();
  let worst = { gap: 0, after: "" };
  for (let i = 1; i < seen.length; i++) {
    const gap = (seen[i]!.at - seen[i - 1]!.at) / 1000;
    const after = `save ${seen[i]!.generation} (${seen[i]!.inside ?? `phase ${seen[i]!.phases}`})`;
    if (gap > worst.gap) worst = { gap, after };
  }
  const first = seen[0] ? ((seen[0].at - t0) / 1000).toFixed(1) : "none";
  const tail = seen.at(-1) ? ((end - seen.at(-1)!.at) / 1000).toFixed(1) : "-";
  console.log(
    `${experiment} --scale ${values.scale}: ${seen.length} saves seen in ${
      ((end - t0) / 1000).toFixed(1)
    } s (${finished ? "finished" : "stopped"}); first save after ${first} s (process start ` +
      `included); longest gap ${worst.gap.toFixed(1)} s before ${worst.after}; last save to end ` +
      `${tail} s; load ${load0} -> ${load()}`,
  );
  await Deno.remove(out, { recursive: true });
}

if (import.meta.main) await main(Deno.args);
