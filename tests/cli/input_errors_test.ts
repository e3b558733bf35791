import assert from "node:assert/strict";
import { join } from "node:path";
import { reportBug } from "../../cli/main.ts";
import { cli, entries, errorLines } from "../_input_fixtures.ts";

Deno.test("reportBug prints the stack trace and a line saying it is a bug and where to report it", () => {
  const lines: string[] = [];
  const orig = console.error;
  console.error = (...a: unknown[]) => lines.push(a.join(" "));
  try {
    const code = reportBug(new TypeError("x is undefined"));
    assert.equal(code, 70);
  } finally {
    console.error = orig;
  }
  assert.match(lines[0]!, /^TypeError: x is undefined\n\s+at /);
  assert.match(lines[1]!, /internal error: this is a bug in metaforge.*report it/);
});

Deno.test("cli --resume of a finished run says it is complete, rewrites nothing and exits 0", async () => {
  const out = await Deno.makeTempDir();
  try {
    const args = ["train", "lr-sweep", "--scale", "smoke", "--backend", "cpu", "--quiet"];
    const first = await cli([...args, "--out", out]);
    assert.equal(first.code, 0, first.stderr);
    const [run] = entries(out);
    const dir = join(out, run!);
    const stamp = async () => {
      const list: string[] = [];
      for (const name of entries(dir)) {
        const info = await Deno.stat(join(dir, name));
        list.push(`${name} ${info.size} ${info.mtime?.getTime()}`);
      }
      return list.sort();
    };
    const before = await stamp();
    const again = await cli(["train", "--resume", dir]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(
      again.stdout,
      /lr-sweep: .* is already complete; nothing was recomputed or rewritten/,
    );
    assert.deepEqual(errorLines(again.stderr), []);
    assert.deepEqual(await stamp(), before);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("cli --seed that is blank is an error, not seed 0", async () => {
  for (const seed of ["", " "]) {
    const out = await Deno.makeTempDir();
    const r = await cli(["train", "lr-sweep", "--scale", "smoke", "--out", out, "--seed", seed]);
    assert.equal(r.code, 2);
    assert.deepEqual(errorLines(r.stderr), [
      `metaforge: Invalid --seed: must be an integer in [0, 4294967295]: current value is ${
        JSON.stringify(seed)
      }`,
    ]);
    assert.deepEqual(entries(out), []);
    await Deno.remove(out);
  }
});
