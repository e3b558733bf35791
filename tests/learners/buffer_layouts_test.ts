import assert from "node:assert/strict";
import { GENOME, GENOME_LAYOUT, GENOME_STRIDE } from "../../learners/evolution/genome_layout.ts";
import {
  BASELINE_GENOME,
  packGenome,
  type StrategyGenome,
} from "../../learners/evolution/evolution_genome.ts";
import {
  KNOB,
  KNOB_LAYOUT,
  KNOB_STRIDE,
  LEARNED_LAYOUT,
  packKnobs,
} from "../../learners/optimizers/knobs.ts";
import { METRIC_LAYOUT, trainMetricsOf } from "../../learners/metrics_row.ts";
import { wgslFieldName } from "../../core/wgsl_layout.ts";
import {
  EVOLVE_ROW_LAYOUTS,
  EVOLVE_ROWS_WGSL,
  HISTORY,
  HISTORY_FIELDS,
} from "../../learners/evolution/evolution_rows.ts";

Deno.test("every row layout (genome, knobs, learned optimizer, metrics, evolution rows) declares its fields in WGSL", () => {
  for (
    const layout of [
      GENOME_LAYOUT,
      KNOB_LAYOUT,
      LEARNED_LAYOUT,
      METRIC_LAYOUT,
      ...EVOLVE_ROW_LAYOUTS,
    ]
  ) {
    const lines = layout.wgsl.code.split("\n");
    assert.ok(lines.includes(`const ${layout.prefix}_STRIDE: u32 = ${layout.stride}u;`));
    for (const [name, offset] of Object.entries(layout.fields)) {
      assert.ok(lines.includes(`const ${wgslFieldName(layout.prefix, name)}: u32 = ${offset}u;`));
    }
  }
});

Deno.test("EVOLVE_ROWS_WGSL holds every evolution row layout; HISTORY names HISTORY_FIELDS", () => {
  for (const layout of EVOLVE_ROW_LAYOUTS) {
    assert.ok(EVOLVE_ROWS_WGSL.code.includes(layout.wgsl.code));
  }
  HISTORY_FIELDS.forEach((name, i) => assert.equal(HISTORY[name], i));
  assert.equal(Object.keys(HISTORY).length, HISTORY_FIELDS.length);
});

/** Asserts that `row` holds `want[field]` at `offsets[field]` for every field of `want`. */
function assertRow(
  row: Float32Array,
  offsets: Readonly<Record<string, number>>,
  want: Record<string, number>,
): void {
  for (const [field, v] of Object.entries(want)) assert.equal(row[offsets[field]!], v, field);
}

Deno.test("packGenome() writes each gene at its GENOME offset", () => {
  const genes = {
    tournamentSize: 5,
    rankPressure: 1.25,
    mutationRate: 0.375,
    lr: 0.5,
    clipNorm: 7,
    labelSmoothing: 0.125,
    nicheCapacity: 3,
  };
  const g: StrategyGenome = { ...BASELINE_GENOME, ...genes, populationSize: 6 };
  const row = new Float32Array(GENOME_STRIDE);
  packGenome(g, 10, row);
  assertRow(row, GENOME, { ...genes, active: 6 });
});

Deno.test("packKnobs() writes each knob at its KNOB offset", () => {
  const row = new Float32Array(KNOB_STRIDE);
  const knobs = { lr: 0.25, clipNorm: 3, horizon: 40, labelSmoothing: 0.5 };
  packKnobs({ ...knobs, optimizer: "adam" }, row);
  assertRow(row, KNOB, { ...knobs, optimizer: 2 });
});

Deno.test("trainMetricsOf() reads loss, gradient norm and the quarantine flag of each row", () => {
  const m = trainMetricsOf(new Float32Array([1, 2, 0, 9, 3, 4, 1, 9]), 2);
  assert.deepEqual([...m.loss], [1, 3]);
  assert.deepEqual([...m.gradNorm], [2, 4]);
  assert.deepEqual([...m.diverged], [0, 1]);
});

const ROWS = /\b(genome|knobs|metrics)\[([^\]\n]*)\]/g;
const EVOLVE_ROWS =
  /\b(genome|knobs|metrics|info|parents|segState|blocks|tasks|history)\[([^\]\n]*)\]/g;

/** Index expressions of the `rows` arrays in files under `dir` that hold a number literal. */
async function rawOffsets(dir: string, ext: string, rows = ROWS): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for await (const e of Deno.readDir(d)) {
      const path = `${d}/${e.name}`;
      if (e.isDirectory) await walk(path);
      else if (e.name.endsWith(ext)) {
        const text = await Deno.readTextFile(path);
        for (const m of text.matchAll(rows)) {
          if (/\b\d+u?\b/.test(m[2]!)) out.push(`${path}: ${m[0]}`);
        }
      }
    }
  };
  await walk(new URL(`../../${dir}`, import.meta.url).pathname);
  return out;
}

Deno.test("no kernel or engine source indexes a genome, knobs, metrics or evolution row with a raw offset", async () => {
  const found = [
    ...await rawOffsets("shaders", ".wgsl", EVOLVE_ROWS),
    ...await rawOffsets("learners/evolution", ".ts", EVOLVE_ROWS),
    ...await rawOffsets("learners", ".ts"),
    ...await rawOffsets("meta", ".ts"),
  ];
  assert.deepEqual(found, []);
});
