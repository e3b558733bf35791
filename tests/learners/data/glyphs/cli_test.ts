import assert from "node:assert/strict";
import { join } from "node:path";
import { withTempDir } from "../../../_temp_dir.ts";
import { DEJAVU_SANS, ignoreFonts } from "./_fonts.ts";

const MAIN = new URL("../../../../cli/main.ts", import.meta.url).pathname;

async function data(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "data", ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Asserts exit 2, one stderr line matching `re`, and that `root` holds exactly `entries`. */
async function rejects(
  r: { code: number; stderr: string },
  re: RegExp,
  root: string,
  entries: string[],
): Promise<void> {
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, re);
  const left: string[] = [];
  for await (const e of Deno.readDir(root)) left.push(e.name);
  assert.deepEqual(left.sort(), entries.sort());
}

Deno.test("data glyphs names a missing font package in one line, exit 2, nothing written", async () => {
  await withTempDir(async (root) => {
    const r = await data(
      "glyphs",
      "--packages",
      "fonts-metaforge-missing",
      "--out",
      join(root, "g"),
    );
    await rejects(
      r,
      /Debian font package fonts-metaforge-missing .*apt-get install fonts-metaforge-missing$/,
      root,
      [],
    );
  });
});

Deno.test({
  name: "data glyphs names an unreadable font file in one line, exit 2, nothing written",
  ignore: ignoreFonts,
  fn: async () => {
    await withTempDir(async (root) => {
      const fonts = join(root, "fonts");
      await Deno.mkdir(fonts);
      await Deno.copyFile(DEJAVU_SANS, join(fonts, "a.ttf"));
      await Deno.writeTextFile(join(fonts, "broken.ttf"), "this is not a font file");
      const r = await data("glyphs", "--fonts", fonts, "--out", join(root, "g"), "--quiet");
      await rejects(r, /font file .*broken\.ttf\)$/, root, ["fonts"]);
    });
  },
});

Deno.test("data glyphs refuses an output folder that is a file: one line, exit 2, file untouched", async () => {
  await withTempDir(async (root) => {
    const file = join(root, "taken");
    await Deno.writeTextFile(file, "keep me");
    const r = await data("glyphs", "--out", file, "--quiet");
    await rejects(r, /output folder is a file: .*taken$/, root, ["taken"]);
    assert.equal(await Deno.readTextFile(file), "keep me");
    const under = await data("glyphs", "--out", join(file, "sub"), "--quiet");
    await rejects(under, /parent of the output folder is a file: .*taken$/, root, ["taken"]);
  });
});

Deno.test("data rejects an unknown data set and bad flags with exit 2 and one line", async () => {
  await withTempDir(async (root) => {
    await rejects(await data("omniglot", "--out", join(root, "x")), /must be glyphs/, root, []);
    await rejects(
      await data("glyphs", "--subset", "huge", "--out", join(root, "x")),
      /subset/,
      root,
      [],
    );
    await rejects(
      await data("glyphs", "--instances", "-3", "--out", join(root, "x")),
      /--instances/,
      root,
      [],
    );
  });
});
