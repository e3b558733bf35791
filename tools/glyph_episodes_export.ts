/**
 * Writes the glyph data the `meta` experiment feeds its learners, and the episode pools of one
 * setting and seed, for tools/maml_reference.py (an independent PyTorch FOMAML / MAML on the same
 * data; README "The meta experiment"). The data set is the engine's own: the 28x28 renders
 * resampled to `glyphs.size` and standardized (meta/few_shot/setting_data.ts), and the pools are
 * sampled exactly as `openSettingRun` samples them (seed deriveSeed(deriveSeed(runSeed, i), tag)).
 *
 *   deno run -A tools/glyph_episodes_export.ts OUT_DIR [--setting glyphs-5way-1shot]
 *     [--train-pool 4096] [--val 64] [--test 0] [--run-seed 0] [--seed-index 0]
 *
 * OUT_DIR gets: x.f32 (count, inputs) little-endian f32; y.u32 (count) class of each sample;
 * split.json {inputs, ways, shots, classes, train, validation, test}; and per pool P in train, val
 * (and test when --test > 0): P_support.u32 (E, ways*shots), P_query.u32 (E, ways*Q), class-major
 * (entry k*K + s is shot s of local class k, whose label is k), with P's shape in split.json.
 * @module
 */
import { parseArgs } from "node:util";
import { deriveSeed } from "../core/rng.ts";
import { META_SCHEMA, META_SETTINGS, type MetaSettingName } from "../meta/few_shot/config.ts";
import { buildSetting } from "../meta/few_shot/settings.ts";
import { glyphsData } from "../meta/few_shot/setting_data.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    setting: { type: "string", default: "glyphs-5way-1shot" },
    "train-pool": { type: "string", default: "4096" },
    val: { type: "string", default: "64" },
    test: { type: "string", default: "0" },
    "run-seed": { type: "string", default: "0" },
    "seed-index": { type: "string", default: "0" },
  },
});

function fail(msg: string): never {
  console.error(msg);
  Deno.exit(2);
}

const out = positionals[0] ?? fail("Usage: glyph_episodes_export.ts OUT_DIR [options]");
const setting = values.setting as MetaSettingName;
if (!META_SETTINGS.includes(setting) || !setting.startsWith("glyphs")) {
  fail(`Invalid --setting: must be a glyphs setting: current value is ${setting}`);
}
const int = (name: keyof typeof values, min: number): number => {
  const v = Number(values[name]);
  if (!Number.isInteger(v) || v < min) {
    fail(`Invalid --${name}: must be an integer >= ${min}: current value is ${values[name]}`);
  }
  return v;
};
const trainPool = int("train-pool", 1);
const valEpisodes = int("val", 1);
const testEpisodes = int("test", 0);
const seed = deriveSeed(int("run-seed", 0), int("seed-index", 0));

const c = META_SCHEMA.parse({ settings: [setting] });
const s = await buildSetting(setting, { ...c, crossDomain: null }, (l) => console.error(l));
const g = await glyphsData(c.glyphs, (l) => console.error(l));

await Deno.mkdir(out, { recursive: true });
const write = (name: string, a: Float32Array | Uint32Array) =>
  Deno.writeFile(`${out}/${name}`, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
await write("x.f32", g.data.x);
await write("y.u32", Uint32Array.from(g.data.y));
const pools: Record<string, { episodes: number; support: number; query: number }> = {};
const families = [["train", s.train, trainPool], ["val", s.val, valEpisodes], [
  "test",
  s.test,
  testEpisodes,
]] as const;
for (const [tag, family, n] of families) {
  if (n === 0) continue;
  const b = family.sampleEpisodes(deriveSeed(seed, tag), n);
  await write(`${tag}_support.u32`, b.support);
  await write(`${tag}_query.u32`, b.query);
  pools[tag] = { episodes: n, support: b.supportSize, query: b.querySize };
}
const split = {
  setting,
  seed,
  inputs: g.data.inputs,
  count: g.data.count,
  ways: s.ways,
  shots: s.shots,
  classes: g.data.classes,
  train: Array.from(g.split.train),
  validation: Array.from(g.split.validation),
  test: Array.from(g.split.test),
  pools,
};
await Deno.writeTextFile(`${out}/split.json`, JSON.stringify(split));
console.error(
  `wrote ${out}: ${g.data.count} samples of ${g.data.inputs}, pools ${
    Object.entries(pools).map(([k, v]) => `${k} ${v.episodes}`).join(", ")
  }`,
);
