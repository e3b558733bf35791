/**
 * Fuzz test of input validation: 600 seeded random corruptions of IDX files (plain and gzip), PNG
 * images, and JSON inputs (strategies files, learned optimizers, configs): bit flips, truncations,
 * appended bytes, wrong sizes, wrong types and missing fields. Each one is checked in-process
 * through the same prepare phase the command line runs (`prepareRun`): it must be an InputError
 * whose message is one line naming the file, and nothing may be written. A seeded sample of 12 is
 * also run through the command line: exit code 2, one line on stderr, the folder unchanged.
 *
 * A corruption is only counted when it is certain to make the input invalid (for example header
 * bytes of IDX files, not pixels); the one exception is a bit flip inside gzip data, which must be
 * rejected or else decode to exactly the original bytes (a flip in ignored padding bits).
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { readConfigFile } from "../../core/config_schema.ts";
import { getExperiment } from "../../core/experiment.ts";
import { InputError } from "../../core/input_error.ts";
import { prepareRun } from "../../core/run_prepare.ts";
import "../../cli/experiments.ts";
import {
  cli,
  errorLines,
  folderConfig,
  idxConfig,
  idxPair,
  learnedOptimizerJson,
  pngBytes,
  strategiesJson,
  writeImageFolder,
} from "../_input_fixtures.ts";
import { SMOKE_CPU } from "../helpers.ts";

/** A small seeded PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);
const int = (r: Rand, n: number): number => Math.floor(r() * n);

function flipBits(bytes: Uint8Array, r: Rand, from: number, to: number): Uint8Array {
  const out = bytes.slice();
  const flips = 1 + int(r, 3);
  for (let i = 0; i < flips; i++) out[from + int(r, to - from)]! ^= 1 << int(r, 8);
  // Several flips may cancel out; make sure at least one bit differs.
  if (out.every((b, i) => b === bytes[i])) out[from]! ^= 0x80;
  return out;
}
const truncate = (b: Uint8Array, r: Rand): Uint8Array => b.slice(0, int(r, b.length));
const extend = (b: Uint8Array, r: Rand): Uint8Array => {
  const extra = Uint8Array.from({ length: 1 + int(r, 64) }, () => int(r, 256));
  return new Uint8Array([...b, ...extra]);
};

/** One corrupted input: the files to write and the command it feeds. */
interface Case {
  label: string;
  /** Writes the inputs into `dir`; returns the run to prepare and its CLI arguments. */
  setup(
    dir: string,
  ): Promise<{ experiment: string; config?: unknown; configFile?: string; args: string[] }>;
  /** Names of files whose mention in the error line counts as naming the file. */
  names: string[];
  /** For gzip flips: the data the corrupted file must decode to when it is accepted. */
  sameAs?: Uint8Array;
}

const SMOKE = [...SMOKE_CPU, "--quiet"];

function idxCase(label: string, images: Uint8Array, labels: Uint8Array, sameAs?: Uint8Array): Case {
  return {
    label,
    names: ["images.idx", "labels.idx"],
    sameAs,
    async setup(dir) {
      await Deno.writeFile(join(dir, "images.idx"), images);
      await Deno.writeFile(join(dir, "labels.idx"), labels);
      const config = idxConfig(join(dir, "images.idx"), join(dir, "labels.idx"));
      await Deno.writeTextFile(join(dir, "c.json"), JSON.stringify(config));
      return {
        experiment: "lr-sweep",
        config,
        args: ["train", "lr-sweep", ...SMOKE, "--config", join(dir, "c.json")],
      };
    },
  };
}

function pngCase(label: string, png: Uint8Array): Case {
  return {
    label,
    names: ["bad.png"],
    async setup(dir) {
      const root = await writeImageFolder(join(dir, "images"));
      await Deno.writeFile(join(root, "a0", "c1", "bad.png"), png);
      const config = folderConfig(root);
      await Deno.writeTextFile(join(dir, "c.json"), JSON.stringify(config));
      return {
        experiment: "lr-sweep",
        config,
        args: ["train", "lr-sweep", ...SMOKE, "--config", join(dir, "c.json")],
      };
    },
  };
}

function jsonCase(label: string, kind: "strategies" | "learned" | "config", text: string): Case {
  return {
    label,
    names: ["input.json"],
    async setup(dir) {
      const file = join(dir, "input.json");
      await Deno.writeTextFile(file, text);
      if (kind === "strategies") {
        return {
          experiment: "evolve",
          config: { strategies: file },
          args: ["evolve", ...SMOKE, "--strategies", file],
        };
      }
      if (kind === "learned") {
        const config = { learnedOptimizer: file };
        await Deno.writeTextFile(join(dir, "c.json"), JSON.stringify(config));
        return {
          experiment: "l2o",
          config,
          args: ["train", "l2o", ...SMOKE, "--config", join(dir, "c.json")],
        };
      }
      return {
        experiment: "lr-sweep",
        configFile: file,
        args: ["train", "lr-sweep", ...SMOKE, "--config", file],
      };
    },
  };
}

/** Every path of a JSON value (objects and arrays), except the root and free-form `info`. */
function paths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (typeof v !== "object" || v === null) return [];
  const out: (string | number)[][] = [];
  for (const [k, child] of Object.entries(v)) {
    if (k === "info") continue;
    const p = [...at, Array.isArray(v) ? Number(k) : k];
    out.push(p, ...paths(child, p));
  }
  return out;
}

const typeOf = (v: unknown): string => v === null ? "null" : Array.isArray(v) ? "array" : typeof v;
const OTHERS: unknown[] = [123.5, "text", null, true, [], {}];

/** Replaces the value at a random path with a value of another JSON type. */
function wrongType(value: unknown, r: Rand): unknown {
  const copy = structuredClone(value);
  const all = paths(copy);
  const p = all[int(r, all.length)]!;
  let parent = copy as Record<string | number, unknown>;
  for (const k of p.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const key = p.at(-1)!;
  const choices = OTHERS.filter((o) => typeOf(o) !== typeOf(parent[key]));
  parent[key] = structuredClone(choices[int(r, choices.length)]);
  return copy;
}

/** Deletes a random required field of a strategies file (a genome's gene, a list, a score). */
function missingField(value: Record<string, unknown>, r: Rand): unknown {
  const copy = structuredClone(value);
  const required = paths(copy).filter((p) =>
    p.length === 1
      ? ["version", "universalBest", "top", "perTaskBest"].includes(String(p[0]))
      : p.includes("genome") || ["metaFitness", "task", "score"].includes(String(p.at(-1)))
  );
  const p = required[int(r, required.length)]!;
  let parent = copy as Record<string | number, unknown>;
  for (const k of p.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  if (Array.isArray(parent)) parent.splice(Number(p.at(-1)), 1, null);
  else delete parent[p.at(-1)!];
  return copy;
}

/** Truncates JSON text before its last closing bracket, so it is never complete. */
const cutJson = (text: string, r: Rand): string => text.slice(0, int(r, text.trimEnd().length - 1));

function makeCases(seed: number): Case[] {
  const r = prng(seed);
  const good = idxPair();
  const gz = idxPair(true);
  const png = pngBytes(8, 8, 5);
  const strategies = strategiesJson();
  const learned = learnedOptimizerJson();
  const config = idxConfig("/x/images.idx", "/x/labels.idx");
  const cases: Case[] = [];
  const add = (n: number, make: (i: number) => Case) => {
    for (let i = 0; i < n; i++) cases.push(make(i));
  };
  const dims = (bytes: Uint8Array, dim: number, value: number): Uint8Array => {
    const out = bytes.slice();
    new DataView(out.buffer).setUint32(4 + 4 * dim, value, false);
    return out;
  };
  add(60, () => idxCase("idx images header flip", flipBits(good.images, r, 0, 16), good.labels));
  add(40, () => idxCase("idx labels header flip", good.images, flipBits(good.labels, r, 0, 8)));
  add(40, () => idxCase("idx images truncated", truncate(good.images, r), good.labels));
  add(20, () => idxCase("idx labels truncated", good.images, truncate(good.labels, r)));
  add(
    30,
    (i) =>
      i % 2
        ? idxCase("idx images extended", extend(good.images, r), good.labels)
        : idxCase("idx labels extended", good.images, extend(good.labels, r)),
  );
  add(30, () => {
    const dim = int(r, 3);
    const was = new DataView(good.images.buffer).getUint32(4 + 4 * dim, false);
    let v = int(r, 2) ? int(r, 64) : int(r, 2 ** 32);
    if (v === was) v = was + 1;
    return idxCase(`idx images wrong dim ${dim}`, dims(good.images, dim, v), good.labels);
  });
  add(
    60,
    () =>
      idxCase(
        "gzip idx data flip",
        flipBits(gz.images, r, 10, gz.images.length),
        gz.labels,
        good.images,
      ),
  );
  add(30, () => idxCase("gzip idx truncated", truncate(gz.images, r), gz.labels));
  add(70, () => pngCase("png bit flip", flipBits(png, r, 0, png.length)));
  add(30, () => pngCase("png truncated", truncate(png, r)));
  add(20, () => pngCase("png extended", extend(png, r)));
  add(10, (i) => pngCase("png wrong size", pngBytes(8 + 1 + (i % 4), 8 - (i % 3))));
  add(
    40,
    () => jsonCase("strategies wrong type", "strategies", JSON.stringify(wrongType(strategies, r))),
  );
  add(
    20,
    () =>
      jsonCase(
        "strategies missing field",
        "strategies",
        JSON.stringify(missingField(strategies, r)),
      ),
  );
  add(
    20,
    () =>
      jsonCase(
        "strategies truncated",
        "strategies",
        cutJson(JSON.stringify(strategies, null, 2), r),
      ),
  );
  add(
    30,
    () =>
      jsonCase("learned optimizer wrong type", "learned", JSON.stringify(wrongType(learned, r))),
  );
  add(
    10,
    () => jsonCase("learned optimizer truncated", "learned", cutJson(JSON.stringify(learned), r)),
  );
  add(30, () => jsonCase("config wrong type", "config", JSON.stringify(wrongType(config, r))));
  add(
    10,
    () => jsonCase("config truncated", "config", cutJson(JSON.stringify(config, null, 2), r)),
  );
  return cases;
}

/** Prepares the run of a case in-process; returns undefined when accepted, else the error. */
async function prepare(c: Case, dir: string): Promise<{ error?: unknown; args: string[] }> {
  const s = await c.setup(dir);
  try {
    const raw = s.configFile ? await readConfigFile(s.configFile) : s.config;
    const exp = getExperiment(s.experiment);
    await prepareRun(exp, {
      rawConfig: raw,
      source: s.configFile,
      scale: "smoke",
      outDir: join(dir, "runs"),
    });
    return { args: s.args };
  } catch (error) {
    return { error, args: s.args };
  }
}

const CASES = makeCases(20261202);

Deno.test({
  name:
    "input fuzz: 600 seeded corruptions of IDX, gzip, PNG and JSON inputs are one-line InputErrors naming the file",
  sanitizeResources: false,
  fn: async () => {
    assert.ok(CASES.length >= 600, `${CASES.length} cases`);
    const problems: string[] = [];
    let rejected = 0;
    let identical = 0;
    const root = await Deno.makeTempDir({ prefix: "fuzz_" });
    try {
      for (const [i, c] of CASES.entries()) {
        const dir = join(root, String(i));
        await Deno.mkdir(dir);
        const { error } = await prepare(c, dir);
        if (existsSync(join(dir, "runs"))) problems.push(`${i} ${c.label}: wrote the run folder`);
        if (error === undefined) {
          const decoded = c.sameAs && gunzipSync(await Deno.readFile(join(dir, "images.idx")));
          if (c.sameAs && decoded && sameBytes(decoded, c.sameAs)) identical++;
          else problems.push(`${i} ${c.label}: accepted`);
        } else if (!(error instanceof InputError)) {
          problems.push(`${i} ${c.label}: ${(error as Error)?.name}: ${(error as Error)?.message}`);
        } else if (
          error.message.includes("\n") || !c.names.some((n) => error.message.includes(n))
        ) {
          problems.push(
            `${i} ${c.label}: message does not name the file in one line: ${error.message}`,
          );
        } else rejected++;
        await Deno.remove(dir, { recursive: true });
      }
    } finally {
      await Deno.remove(root, { recursive: true });
    }
    console.log(
      `fuzz: ${rejected} rejected, ${identical} gzip flips decoding to the original, of ${CASES.length}`,
    );
    assert.deepEqual(problems.slice(0, 20), []);
    assert.ok(rejected >= 500, `${rejected} rejected`);
  },
});

Deno.test({
  name:
    "input fuzz: a seeded sample of 12 corruptions through the CLI exits 2 with one line, writing nothing",
  sanitizeResources: false,
  fn: async () => {
    const r = prng(7);
    const sample = Array.from(
      { length: 12 },
      (_, k) => CASES[Math.floor((k + r()) * CASES.length / 12)]!,
    )
      .filter((c) => c.sameAs === undefined);
    for (const c of sample) {
      const dir = await Deno.makeTempDir({ prefix: "fuzz_cli_" });
      try {
        const { args } = await c.setup(dir);
        const before = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
        const out = await cli([...args, "--out", join(dir, "runs")]);
        const lines = errorLines(out.stderr);
        assert.equal(out.code, 2, `${c.label}: ${out.stderr}`);
        assert.equal(lines.length, 1, `${c.label}: ${out.stderr}`);
        assert.ok(c.names.some((n) => lines[0]!.includes(n)), `${c.label}: ${lines[0]}`);
        assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), before);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    }
  },
});
