import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../../core/input_error.ts";
import { checkOutDir } from "../../core/out_dir.ts";
import { cli, entries, errorLines, mountTmpfs } from "../_input_fixtures.ts";
import { withTempDir } from "../_temp_dir.ts";

Deno.test("checkOutDir accepts a new or existing folder and leaves nothing behind", async () => {
  await withTempDir(async (tmp) => {
    await checkOutDir(join(tmp, "a", "b", "runs"));
    assert.equal(existsSync(join(tmp, "a")), false);
    await checkOutDir(tmp);
    assert.deepEqual(entries(tmp), []);
  });
});

Deno.test("checkOutDir rejects a file and a path below a file, naming them", async () => {
  await withTempDir(async (tmp) => {
    const file = join(tmp, "taken");
    await Deno.writeTextFile(file, "x");
    await assert.rejects(
      checkOutDir(file),
      (e: Error) => e instanceof InputError && /"[^"]*taken": it is a file/.test(e.message),
    );
    await assert.rejects(
      checkOutDir(join(file, "deeper", "runs")),
      (e: Error) =>
        e instanceof InputError && e.message.includes(`"${file}" on its path is a file`),
    );
  });
});

Deno.test("--out on a read-only file system: one line, exit 2, nothing written", async () => {
  const ro = await mountTmpfs("size=64k,ro");
  if (typeof ro === "string") {
    if (Deno.env.get("CI")) throw new Error(`read-only --out test cannot run in CI: ${ro}`);
    console.log(`skipped: ${ro}`);
    return;
  }
  try {
    await assert.rejects(
      checkOutDir(join(ro.path, "runs")),
      (e: Error) => e instanceof InputError && /read-only file system/.test(e.message),
    );
    const r = await cli(["train", "lr-sweep", "--scale", "smoke", "--out", join(ro.path, "runs")]);
    const lines = errorLines(r.stderr);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0]!,
      /^metaforge: Invalid --out ".*runs": cannot write in ".*": read-only file system$/,
    );
    assert.deepEqual(entries(ro.path), []);
  } finally {
    await ro.close();
  }
});
