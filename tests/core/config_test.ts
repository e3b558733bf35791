import assert from "node:assert/strict";
import { join } from "node:path";
import { z } from "zod";
import {
  ConfigError,
  describeSchema,
  loadConfigFile,
  parseConfig,
  readConfigFile,
  strictSchema,
} from "../../core/config_schema.ts";
import { withTempDir } from "../_temp_dir.ts";

const schema = z.object({
  name: z.string().min(1).default("toy"),
  steps: z.number().int().min(1).max(100).default(10),
  optimizer: z.enum(["sgd", "adam"]).default("sgd"),
  inner: z.object({
    lr: z.number().min(0).max(10).default(0.1),
    beta: z.number().gt(0).lt(1).default(0.9),
  }).default({}),
  layers: z.array(z.object({ width: z.number().int().min(1).max(256) })).min(1).max(3)
    .default([{ width: 64 }]),
  hidden: z.array(z.number().int().min(1).max(256)).default([32]),
  verbose: z.boolean().default(false),
  tag: z.string().regex(/^[a-z]+$/).optional(),
  extra: z.object({ note: z.string() }).passthrough().optional(),
});

const SOURCE = "exp.json";

function rejects(raw: unknown, field: string, pattern: RegExp): ConfigError {
  let caught: unknown;
  try {
    parseConfig(schema, raw, SOURCE);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError for ${JSON.stringify(raw)}`);
  assert.equal(caught.exitCode, 2);
  assert.equal(caught.field, field);
  assert.equal(caught.source, SOURCE);
  assert.ok(!caught.message.includes("\n"), `message must be one line: ${caught.message}`);
  const prefix = field === ""
    ? `Invalid config in ${SOURCE}: `
    : `Invalid config field "${field}" in ${SOURCE}: `;
  assert.ok(caught.message.startsWith(prefix), `"${caught.message}" must start with ${prefix}`);
  assert.match(caught.message, pattern);
  return caught;
}

Deno.test("parseConfig fills every default for an empty config", () => {
  assert.deepEqual(parseConfig(schema, {}, SOURCE), {
    name: "toy",
    steps: 10,
    optimizer: "sgd",
    inner: { lr: 0.1, beta: 0.9 },
    layers: [{ width: 64 }],
    hidden: [32],
    verbose: false,
  });
});

Deno.test("parseConfig keeps given values and fills the nested defaults beside them", () => {
  const config = parseConfig(schema, { inner: { lr: 2 }, steps: 5 }, SOURCE);
  assert.deepEqual(config.inner, { lr: 2, beta: 0.9 });
  assert.equal(config.steps, 5);
});

Deno.test("parseConfig rejects a value below the minimum with the exact one-line message", () => {
  const error = rejects({ inner: { lr: -1 } }, "inner.lr", /./);
  assert.equal(
    error.message,
    `Invalid config field "inner.lr" in exp.json: must be a number >= 0 and <= 10: current value is -1`,
  );
});

Deno.test("parseConfig rejects a value above the maximum", () => {
  rejects({ steps: 1000 }, "steps", /must be an integer >= 1 and <= 100: current value is 1000$/);
});

Deno.test("parseConfig rejects a value on an exclusive bound", () => {
  rejects(
    { inner: { beta: 1 } },
    "inner.beta",
    /must be a number > 0 and < 1: current value is 1$/,
  );
});

Deno.test("parseConfig rejects a non-integer for an integer field", () => {
  rejects({ steps: 2.5 }, "steps", /must be an integer >= 1 and <= 100: current value is 2.5$/);
});

Deno.test("parseConfig rejects an unknown top-level field and suggests the closest name", () => {
  rejects(
    { stesp: 3 },
    "stesp",
    /is not a known field \(did you mean "steps"\?\), allowed fields here are "name", "steps".*: current value is 3$/,
  );
});

Deno.test("parseConfig rejects an unknown nested field", () => {
  rejects(
    { inner: { lr: 1, momentum: 0.9 } },
    "inner.momentum",
    /is not a known field, allowed fields here are "lr", "beta": current value is 0.9$/,
  );
});

Deno.test("parseConfig rejects an unknown field inside an array element", () => {
  rejects({ layers: [{ width: 8 }, { widht: 8 }] }, "layers[1].widht", /did you mean "width"/);
});

Deno.test("parseConfig rejects a string where a number is expected", () => {
  rejects({ steps: "10" }, "steps", /must be an integer >= 1 and <= 100: current value is "10"$/);
});

Deno.test("parseConfig rejects a number where a boolean is expected", () => {
  rejects({ verbose: 1 }, "verbose", /must be a boolean \(true or false\): current value is 1$/);
});

Deno.test("parseConfig rejects a value outside an enum and lists the options", () => {
  rejects(
    { optimizer: "adamw" },
    "optimizer",
    /must be one of "sgd", "adam": current value is "adamw"$/,
  );
});

Deno.test("parseConfig rejects a scalar where a nested object is expected", () => {
  rejects({ inner: 3 }, "inner", /must be an object: current value is 3$/);
});

Deno.test("parseConfig rejects an array that is too short", () => {
  rejects(
    { layers: [] },
    "layers",
    /must be an array \(at least 1 item, at most 3 items, each an object\): current value is \[\]$/,
  );
});

Deno.test("parseConfig rejects an array that is too long", () => {
  const layers = [{ width: 1 }, { width: 2 }, { width: 3 }, { width: 4 }];
  rejects({ layers }, "layers", /at most 3 items/);
});

Deno.test("parseConfig rejects an out-of-range array element by index", () => {
  rejects(
    { hidden: [16, 300] },
    "hidden[1]",
    /must be an integer >= 1 and <= 256: current value is 300$/,
  );
});

Deno.test("parseConfig rejects an out-of-range field inside an array element", () => {
  rejects(
    { layers: [{ width: 0 }] },
    "layers[0].width",
    /must be an integer >= 1 and <= 256: current value is 0$/,
  );
});

Deno.test("parseConfig rejects a string that breaks its pattern or minimum length", () => {
  rejects(
    { tag: "ABC" },
    "tag",
    /must be a string \(matching \/\^\[a-z\]\+\$\/\): current value is "ABC"$/,
  );
  rejects({ name: "" }, "name", /must be a string \(at least 1 character\): current value is ""$/);
});

Deno.test("parseConfig reports a missing required field", () => {
  rejects({ extra: {} }, "extra.note", /must be a string: current value is missing$/);
});

Deno.test("parseConfig rejects a config that is not an object", () => {
  rejects(5, "", /must be an object: current value is 5$/);
  rejects(null, "", /must be an object: current value is null$/);
  rejects([1, 2], "", /must be an object: current value is \[1,2\]$/);
});

Deno.test("parseConfig counts the further problems on the same line", () => {
  rejects({ steps: 0, optimizer: "x" }, "steps", /current value is 0 \(and 1 more problem\)$/);
});

Deno.test("parseConfig shortens a long current value", () => {
  const error = rejects({ name: 5, tag: "x".repeat(500) }, "name", /current value is 5/);
  const long = rejects({ tag: "Q".repeat(500) }, "tag", /current value is "Q+\.\.\.$/);
  assert.ok(long.message.length < 200);
  assert.ok(error.message.length < 200);
});

Deno.test("parseConfig keeps objects marked passthrough open", () => {
  const config = parseConfig(schema, { extra: { note: "n", more: 1 } }, SOURCE);
  assert.deepEqual(config.extra, { note: "n", more: 1 });
});

Deno.test("strictSchema leaves the original schema stripping unknown keys", () => {
  const loose = z.object({ a: z.number().default(1) });
  assert.deepEqual(loose.parse({ b: 2 }), { a: 1 });
  assert.equal(strictSchema(loose).safeParse({ b: 2 }).success, false);
  assert.equal(strictSchema(loose), strictSchema(loose));
});

Deno.test("describeSchema words unions, nullables and literals", () => {
  assert.equal(
    describeSchema(z.union([z.literal("auto"), z.number().min(0)])),
    'exactly "auto" or a number >= 0',
  );
  assert.equal(describeSchema(z.number().nullable()), "a number or null");
});

Deno.test("readConfigFile reports a missing file in one line", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "nope.json");
    await assert.rejects(() => readConfigFile(path), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, `Cannot read config file "${path}": file not found`);
      assert.equal(error.exitCode, 2);
      return true;
    });
  });
});

Deno.test("readConfigFile reports a folder given as the config file", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      () => readConfigFile(dir),
      /Cannot read config file ".*": it is a folder$/,
    );
  });
});

Deno.test("readConfigFile reports bad JSON with its line and column", async () => {
  await withTempDir(async (dir) => {
    const cases: [string, RegExp][] = [
      [
        '{\n  "steps": 3\n  "inner": {}\n}',
        /expected ',' or '}' after the property value but found "\\"" at line 3 column 3$/,
      ],
      ['{"steps": 3,}', /trailing comma before '}' at line 1 column 13$/],
      ['{"steps": x}', /expected a JSON value but found "x" at line 1 column 11$/],
      ["", /expected a JSON value but found end of input at line 1 column 1$/],
      ['{"name": "abc', /unterminated string at line 1 column 10$/],
      ["{} {}", /unexpected "\{" after the JSON value at line 1 column 4$/],
    ];
    for (const [i, [text, pattern]] of cases.entries()) {
      const path = join(dir, `bad${i}.json`);
      await Deno.writeTextFile(path, text);
      await assert.rejects(() => readConfigFile(path), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.ok(
          error.message.startsWith(`Cannot parse config file "${path}" as JSON: `),
          error.message,
        );
        assert.match(error.message, pattern);
        assert.ok(!error.message.includes("\n"));
        return true;
      });
    }
  });
});

Deno.test("loadConfigFile reads, validates and names the file in errors", async () => {
  await withTempDir(async (dir) => {
    const good = join(dir, "good.json");
    await Deno.writeTextFile(good, "\ufeff" + JSON.stringify({ steps: 7 }));
    assert.equal((await loadConfigFile(schema, good)).steps, 7);
    const bad = join(dir, "bad.json");
    await Deno.writeTextFile(bad, JSON.stringify({ inner: { lr: 11 } }));
    await assert.rejects(
      () => loadConfigFile(schema, bad),
      new RegExp(
        `Invalid config field "inner.lr" in ${
          bad.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")
        }: must be a number >= 0 and <= 10: current value is 11$`,
      ),
    );
  });
});
