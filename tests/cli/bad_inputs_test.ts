/**
 * A list of 55 bad inputs, each run through the command line as a user would: every one must exit
 * with code 2, print exactly one line (naming the file or field) and no stack trace, and leave
 * its folder exactly as it was (nothing written, not even a run folder). Cases run two at a time.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, errorLines } from "../_input_fixtures.ts";
import type { BadInput } from "./_bad_input_cases.ts";
import { BAD_INPUTS } from "./_bad_inputs.ts";

async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for await (const e of Deno.readDir(d)) {
      const p = join(d, e.name);
      const info = await Deno.lstat(p);
      out.push(`${p} ${info.size} ${info.mtime?.getTime()}`);
      if (e.isDirectory) await walk(p);
    }
  };
  await walk(dir);
  return out.sort();
}

/** Runs one case; returns undefined when it passes, else why not. */
export async function runBadInput(c: BadInput): Promise<string | undefined> {
  const dir = await Deno.makeTempDir({ prefix: "bad_input_" });
  try {
    const { args, names } = await c.setup(dir);
    const before = await snapshot(dir);
    const r = await cli(args, 90_000);
    const lines = errorLines(r.stderr);
    const after = await snapshot(dir);
    if (r.code !== 2) return `exit ${r.code}: ${lines.slice(0, 3).join(" | ")}`;
    if (lines.length !== 1) return `${lines.length} stderr lines: ${lines.slice(0, 3).join(" | ")}`;
    if (!lines[0]!.startsWith("metaforge: ")) return `line: ${lines[0]}`;
    if (!names.test(lines[0]!)) return `does not name ${names}: ${lines[0]}`;
    if (JSON.stringify(before) !== JSON.stringify(after)) return "files were written";
    return undefined;
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

Deno.test({
  name:
    "cli: each of 55 bad inputs exits 2 with one line naming the file or field, writing nothing",
  sanitizeResources: false,
  fn: async () => {
    assert.ok(BAD_INPUTS.length >= 55, `${BAD_INPUTS.length} cases`);
    const failures: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < BAD_INPUTS.length) {
        const c = BAD_INPUTS[next++]!;
        const why = await runBadInput(c);
        if (why !== undefined) failures.push(`${c.name}: ${why}`);
      }
    };
    await Promise.all([worker(), worker()]);
    console.log(`bad inputs: ${BAD_INPUTS.length - failures.length} of ${BAD_INPUTS.length} pass`);
    assert.deepEqual(failures, []);
  },
});
