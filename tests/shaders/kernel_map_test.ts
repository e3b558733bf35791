/**
 * Keeps the kernel map (shaders/README.md) true: every kernel and snippet has a row, every file it
 * names exists, and every symbol it names in a file is in that file.
 */
import assert from "node:assert/strict";
import { walk } from "./_walk.ts";

const ROOT = new URL("../../", import.meta.url);
const MAP = await Deno.readTextFile(new URL("shaders/README.md", ROOT));
const FILES = await walk(ROOT, ["core", "learners", "meta", "bench", "cli", "shaders", "tests"]);

/** The repository files whose path is `name` or ends with `/name`. */
function resolve(name: string): string[] {
  return FILES.filter((f) => f === name || f.endsWith(`/${name}`));
}

Deno.test("shaders/README.md has a row for every kernel and snippet in shaders/", async () => {
  const missing: string[] = [];
  for await (const e of Deno.readDir(new URL("shaders/", ROOT))) {
    if (!e.name.endsWith(".wgsl")) continue;
    if (!MAP.includes(`| \`${e.name}\``)) missing.push(e.name);
  }
  assert.deepEqual(
    missing,
    [],
    "kernels without a row in shaders/README.md (kernel -> wrapper -> CPU twin -> parity test -> bench entry)",
  );
});

Deno.test("every file the kernel map names exists", () => {
  // snake_case file names (KNOB_LAYOUT.wgsl is a property, not a file).
  const named = new Set(MAP.match(/(?<![\w.])[a-z_][\w/.-]*\.(?:ts|wgsl)\b/g) ?? []);
  assert.ok(named.size > 40, `the map names ${named.size} files`);
  const missing = [...named].filter((n) => resolve(n).length === 0);
  assert.deepEqual(missing, [], "files named in shaders/README.md that are not in the repository");
});

Deno.test("every symbol the kernel map places in a file is in that file", async () => {
  const wrong: string[] = [];
  let checked = 0;
  // "`a`, `b` in path/file.ts": each symbol must appear in the file (or a file of that name).
  for (const m of MAP.matchAll(/((?:`[\w.]+`(?:, )?)+) in ([\w/.-]+\.ts)/g)) {
    const symbols = [...m[1]!.matchAll(/`([\w.]+)`/g)].map((s) => s[1]!.split(".")[0]!);
    const texts = await Promise.all(resolve(m[2]!).map((f) => Deno.readTextFile(new URL(f, ROOT))));
    for (const s of symbols) {
      checked++;
      if (!texts.some((t) => new RegExp(`\\b${s}\\b`).test(t))) wrong.push(`${s} in ${m[2]}`);
    }
  }
  assert.ok(checked > 40, `the map places ${checked} symbols in files`);
  assert.deepEqual(wrong, [], "symbols shaders/README.md names in files that do not hold them");
});
