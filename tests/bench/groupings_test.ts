import assert from "node:assert/strict";
import { GROUPINGS, parseVariant, variantKey } from "../../bench/groupings.ts";
import { HARDWARE_GROUPING } from "../../learners/gpu/gpu_backend.ts";
import { groupingKey, parseGroupingKey } from "../../learners/mlp/mlp_uniform.ts";
import { gpuTest } from "../helpers.ts";

const SCRIPT = new URL("../../bench/groupings.ts", import.meta.url).pathname;

/** Runs bench/groupings.ts with `args`: exit code, stdout, stderr. */
async function groupings(args: string[]) {
  const r = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", SCRIPT, ...args] })
    .output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: r.code, stdout: text(r.stdout), stderr: text(r.stderr) };
}

Deno.test("bench/groupings.ts refuses bad flags with one line and exit 2", async () => {
  const bad = [
    ["--groupings", "2y"],
    ["--groupings", "3x4"],
    ["--groupings", "1x32t6"],
    ["--groupings", "1x32t36"],
    ["--sizes", "0"],
    ["--seconds", "-1"],
  ];
  for (const args of bad) {
    const r = await groupings(args);
    assert.equal(r.code, 2, args.join(" "));
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /^groupings: --sizes takes positive integers/);
  }
});

Deno.test("the groupings compared include the hardware default, each once", () => {
  const keys = GROUPINGS.map(groupingKey);
  assert.equal(new Set(keys).size, keys.length);
  assert.ok(keys.includes(groupingKey(HARDWARE_GROUPING)));
  for (const k of keys) {
    assert.deepEqual(parseGroupingKey(k) && groupingKey(parseGroupingKey(k)!), k);
  }
});

Deno.test("grouping variants: MxR, or MxRtS with square tiles of side S", () => {
  assert.deepEqual(parseVariant("2x32"), { grouping: { modelsPerGroup: 2, roles: 32 } });
  assert.deepEqual(parseVariant("8x8t4"), {
    grouping: { modelsPerGroup: 8, roles: 8 },
    tileSide: 4,
  });
  assert.deepEqual(parseVariant("1x32t4w"), {
    grouping: { modelsPerGroup: 1, roles: 32 },
    tileSide: 4,
    workgroupScratch: true,
  });
  assert.deepEqual(parseVariant("2x32w"), {
    grouping: { modelsPerGroup: 2, roles: 32 },
    workgroupScratch: true,
  });
  for (const k of ["1x32", "1x32t4", "4x16t16", "2x64t32", "1x32w", "8x8t4w"]) {
    assert.equal(variantKey(parseVariant(k)!), k);
  }
  for (
    const k of [
      "1x32t0",
      "1x32t2",
      "1x32t5",
      "1x32t40",
      "3x32t4",
      "1x32t",
      "t4",
      "1x32ww",
      "1x32wt4",
    ]
  ) {
    assert.equal(parseVariant(k), undefined, k);
  }
});

gpuTest("bench/groupings.ts checks each grouping against the CPU twin, then times it", async () => {
  const args = ["--sizes", "40", "--seconds", "0.05", "--groupings", "4x4,2x16t4,1x32t12"];
  const r = await groupings(args);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split("\n").filter((l) => / P=40: /.test(l));
  assert.equal(lines.length, 4, r.stdout);
  assert.match(lines[0]!, /^ {2}1x32 \(default\) P=40: \d+ model-steps\/s, .* 1\.00x the default/);
  assert.match(lines[1]!, /^ {2}4x4 P=40: /);
  // Tile variants: the tiled train step with square tiles, checked against the twin too.
  assert.match(lines[2]!, /^ {2}2x16t4 P=40: /);
  assert.match(lines[3]!, /^ {2}1x32t12 P=40: /);
  for (const l of lines) {
    const err = Number(/mixed error vs CPU twin ([\d.]+)/.exec(l)?.[1]);
    assert.ok(err <= 1, l);
  }
});
