/** The `meta` experiment's protocol: tuning trials, equal budgets, curve points, verdict rules. */
import assert from "node:assert/strict";
import { resolveConfig } from "../../../core/experiment.ts";
import { parseConfig } from "../../../core/config_schema.ts";
import { META_EXPERIMENT } from "../../../meta/few_shot/experiment.ts";
import { summarize } from "../../../core/stats.ts";
import {
  META_SCHEMA,
  type MetaConfig,
  type MetaSettingName,
  settingConfig,
} from "../../../meta/few_shot/config.ts";
import type { AdaptCurve } from "../../../meta/few_shot/inner_loop.ts";
import { beats, methodStats, stepsTo80 } from "../../../meta/few_shot/report_stats.ts";
import {
  memberInnerSteps,
  selfImprovingShape,
  staticBudget,
} from "../../../meta/few_shot/self_improving_run.ts";
import {
  closeSettingRun,
  openSettingRun,
  type SettingRun,
} from "../../../meta/few_shot/setting_run.ts";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import { buildSetting, type Setting } from "../../../meta/few_shot/settings.ts";
import {
  curveIterations,
  headInitScale,
  headReset,
  paperInnerSteps,
  scaleHead,
  trainInnerSteps,
  trialConfigs,
} from "../../../meta/few_shot/static_methods.ts";
import { mlpLayout } from "../../../learners/mlp/mlp_layout.ts";

const C: MetaConfig = META_SCHEMA.parse({
  metaIterations: 1000,
  tune: { trials: 5, fraction: 0.1 },
});
const RUN = {
  c: C,
  s: { innerLr: 0.1, initScale: 1 } as Setting,
  seed: 4,
} as SettingRun;

Deno.test("trialConfigs: the defaults first, the rest within the spread, 1 inner step where the paper uses 1", () => {
  for (const method of ["reptile", "fomaml", "maml", "es-maml", "meta-sgd", "protonet"] as const) {
    const t = trialConfigs(method, RUN);
    assert.equal(t.length, 5);
    const base = t[0]!;
    assert.equal(base.innerLr, 0.1);
    assert.equal(base.metaLr, method === "reptile" ? C.metaLr.reptile : C.metaLr.adam);
    for (const x of t) {
      for (const [v, b] of [[x.innerLr, base.innerLr], [x.initScale, 1]] as const) {
        assert.ok(v >= b / 3 - 1e-12 && v <= b * 3 + 1e-12, `${method}: ${v}`);
      }
      if (method === "reptile") assert.ok(x.innerSteps >= 1 && x.innerSteps <= 2 * C.innerSteps);
      else assert.equal(x.innerSteps, 1);
    }
    assert.notDeepEqual(t[1], t[2]);
  }
});

Deno.test("trialConfigs: FOMAML and MAML train with 5 inner steps on 20-way episodes, as MAML's 20-way Omniglot", () => {
  // With 1 step FOMAML stayed at chance on glyphs 20-way 1-shot (query loss ln 20).
  const wide = { ...RUN, s: { ...RUN.s, ways: 20 } } as SettingRun;
  const narrow = { ...RUN, s: { ...RUN.s, ways: 5 } } as SettingRun;
  for (const method of ["fomaml", "maml", "es-maml", "meta-sgd", "protonet"] as const) {
    const want = method === "fomaml" || method === "maml" ? 5 : 1;
    assert.deepEqual(
      trialConfigs(method, wide).map((x) => x.innerSteps),
      [5, 5, 5, 5, 5].fill(want),
    );
    assert.deepEqual(trialConfigs(method, narrow).map((x) => x.innerSteps), [1, 1, 1, 1, 1]);
    assert.equal(paperInnerSteps(method, 20), want);
  }
  // Everything else about the trials is as on 5-way episodes.
  const strip = (t: { innerSteps: number }[]) => t.map(({ innerSteps: _, ...r }) => r);
  assert.deepEqual(strip(trialConfigs("fomaml", wide)), strip(trialConfigs("fomaml", narrow)));
});

Deno.test("the self-improving system's FOMAML and MAML members start with the static methods' inner steps", () => {
  // Before, every member but Reptile started (and switched) at 1 step, on 20-way episodes too.
  const one = { "es-maml": 1, "meta-sgd": 1 };
  const g20 = { name: "glyphs-20way-1shot", ways: 20 } as const;
  const g5 = { name: "glyphs-5way-1shot", ways: 5 } as const;
  assert.deepEqual(memberInnerSteps(C, g20), { reptile: C.innerSteps, fomaml: 5, maml: 5, ...one });
  // On glyphs 5-way 1-shot FOMAML trains with 5 steps by default (trainInnerSteps).
  assert.deepEqual(memberInnerSteps(C, g5), { reptile: C.innerSteps, fomaml: 5, maml: 1, ...one });
  const g5s = { name: "glyphs-5way-5shot", ways: 5 } as const;
  assert.deepEqual(memberInnerSteps(C, g5s), { reptile: C.innerSteps, fomaml: 1, maml: 1, ...one });
  for (const s of [g5, g20]) {
    const run = { ...RUN, s: { ...RUN.s, ...s } } as SettingRun;
    for (const m of ["fomaml", "maml"] as const) {
      assert.equal(memberInnerSteps(C, s)[m], trialConfigs(m, run)[0]!.innerSteps);
    }
  }
});

Deno.test("trainInnerSteps overrides the papers' inner steps in its settings, trials and members alike", () => {
  const c = META_SCHEMA.parse({
    ...C,
    trainInnerSteps: { "glyphs-5way-1shot": { fomaml: 3, "meta-sgd": 2 } },
  });
  const cases = [
    [{ name: "glyphs-5way-1shot", ways: 5 }, { fomaml: 3, "meta-sgd": 2, maml: 1 }],
    [{ name: "glyphs-20way-1shot", ways: 20 }, { fomaml: 5, "meta-sgd": 1, maml: 5 }],
    [{ name: "synthetic-1shot", ways: 5 }, { fomaml: 1, "meta-sgd": 1, maml: 1 }],
  ] as const;
  for (const [s, want] of cases) {
    const run = { ...RUN, c, s: { ...RUN.s, ...s } } as SettingRun;
    type Stepped = "fomaml" | "maml" | "es-maml" | "meta-sgd" | "protonet";
    const all = [...Object.entries(want), ["es-maml", 1], ["protonet", 1]] as [Stepped, number][];
    for (const [m, k] of all) {
      assert.equal(trainInnerSteps(c, m, s), k, `${m} on ${s.name}`);
      assert.deepEqual(trialConfigs(m, run).map((x) => x.innerSteps), [k, k, k, k, k]);
      if (m !== "protonet") assert.equal(memberInnerSteps(c, s)[m], k, `member ${m}`);
    }
    assert.equal(memberInnerSteps(c, s).reptile, c.innerSteps);
  }
  assert.throws(() =>
    META_SCHEMA.parse({ trainInnerSteps: { "glyphs-5way-1shot": { fomaml: 0 } } })
  );
});

Deno.test("scaleHead scales the output layer's weights only", () => {
  const L = mlpLayout({ size: 1, widths: [4, 3, 2], batchSize: 1 });
  const theta = Float32Array.from({ length: L.stride }, (_, i) => i + 1);
  for (const k of [0, 0.5]) {
    const out = scaleHead(theta, L, k);
    for (let i = 0; i < L.stride; i++) {
      const head = i >= L.weightOffset[1]! && i < L.biasOffset[1]!;
      assert.equal(out[i], head ? k * theta[i]! : theta[i], `entry ${i} at ${k}`);
    }
  }
  assert.equal(theta[L.weightOffset[1]!], L.weightOffset[1]! + 1, "input unchanged");
  const c = META_SCHEMA.parse({});
  assert.deepEqual(
    c.headInitScale,
    { "glyphs-5way-1shot": 0, "synthetic-1shot": 0 },
    "the default",
  );
  assert.deepEqual(
    c.trainInnerSteps,
    { "glyphs-5way-1shot": { fomaml: 5 }, "synthetic-1shot": { fomaml: 5 } },
    "the default",
  );
  const at = (name: MetaSettingName) => headInitScale(c, { name, regression: name === "sinusoid" });
  assert.deepEqual([at("glyphs-5way-1shot"), at("glyphs-5way-5shot"), at("sinusoid")], [0, 1, 1]);
  assert.throws(
    () => parseConfig(META_SCHEMA, { headInitScale: { sinusoid: 0 } }, "f.json"),
    /headInitScale/,
  );
});

Deno.test("headReset: on glyphs 5-way 1-shot and synthetic 1-shot by default, per classification setting, bad values rejected", () => {
  const c = META_SCHEMA.parse({});
  assert.deepEqual(
    c.headReset,
    { "glyphs-5way-1shot": true, "synthetic-1shot": true },
    "the default",
  );
  assert.equal(headReset(c, { name: "synthetic-1shot", regression: false }), true);
  const on = META_SCHEMA.parse({ headReset: { "glyphs-5way-5shot": true } });
  const off = META_SCHEMA.parse({ headReset: { "glyphs-5way-1shot": false } });
  // At glyphs 5-way 1-shot, glyphs 5-way 5-shot and the sinusoid.
  const cases: [MetaConfig, boolean[]][] = [
    [c, [true, false, false]],
    [on, [false, true, false]],
    [off, [false, false, false]],
  ];
  for (const [conf, want] of cases) {
    const at = (name: MetaSettingName) =>
      headReset(conf, { name, regression: name === "sinusoid" });
    assert.deepEqual([at("glyphs-5way-1shot"), at("glyphs-5way-5shot"), at("sinusoid")], want);
  }
  for (const bad of [{ "glyphs-5way-1shot": 1 }, { sinusoid: true }, { nowhere: true }, true]) {
    let message = "";
    try {
      parseConfig(META_SCHEMA, { headReset: bad }, "f.json");
    } catch (e) {
      message = (e as Error).message;
    }
    assert.match(message, /headReset/, `${JSON.stringify(bad)} rejected naming the field`);
    assert.ok(!message.includes("\n"), `one line: ${message}`);
  }
});

Deno.test("methodHeads: Reptile's own head on synthetic 1-shot by default, for static methods only, bad values rejected", () => {
  const c = META_SCHEMA.parse({});
  assert.deepEqual(c.methodHeads, {
    "synthetic-1shot": { reptile: { headInitScale: 1, headReset: false } },
  });
  const syn = { name: "synthetic-1shot" as const, regression: false };
  // Reptile's own values; the other methods and the self-improving system (no method) the setting's.
  assert.equal(headInitScale(c, syn, "reptile"), 1);
  assert.equal(headReset(c, syn, "reptile"), false);
  for (const m of ["fomaml", "maml", "meta-sgd", undefined] as const) {
    assert.equal(headInitScale(c, syn, m), 0, `${m}`);
    assert.equal(headReset(c, syn, m), true, `${m}`);
  }
  // A field left out falls back to the setting's value; ProtoNets never take one.
  const half = META_SCHEMA.parse({
    methodHeads: { "glyphs-5way-1shot": { maml: { headReset: false } } },
  });
  const g = { name: "glyphs-5way-1shot" as const, regression: false };
  assert.equal(headReset(half, g, "maml"), false);
  assert.equal(headInitScale(half, g, "maml"), 0);
  assert.equal(headReset(half, g, "fomaml"), true);
  assert.equal(
    headReset(half, syn, "reptile"),
    true,
    "a config's methodHeads replaces the default",
  );
  const bad = [
    { sinusoid: { reptile: { headReset: false } } },
    { "synthetic-1shot": { protonet: { headReset: false } } },
    { "synthetic-1shot": { reptile: { headInitScale: -1 } } },
    { "synthetic-1shot": { reptile: { headReset: 0 } } },
  ];
  for (const b of bad) {
    let message = "";
    try {
      parseConfig(META_SCHEMA, { methodHeads: b }, "f.json");
    } catch (e) {
      message = (e as Error).message;
    }
    assert.match(message, /methodHeads/, `${JSON.stringify(b)} rejected naming the field`);
    assert.ok(!message.includes("\n"), `one line: ${message}`);
  }
});

Deno.test("the self-improving system gets the task budget of one static method", () => {
  const budget = staticBudget(C);
  assert.equal(budget, C.metaBatch * (5 * 100 + 900));
  const { tasks, iterations } = selfImprovingShape(C);
  const used = C.members * tasks * iterations;
  assert.ok(used <= budget && used > budget - C.members * tasks, `${used} vs ${budget}`);
});

Deno.test("curveIterations spaces the learning-curve points evenly and ends at the last iteration", () => {
  assert.deepEqual([...curveIterations(100, 4)], [25, 50, 75, 100]);
  assert.deepEqual([...curveIterations(10, 3)], [4, 8, 10]);
  assert.equal(curveIterations(2000, 20).size, 20);
});

function curve(acc: number[][]): AdaptCurve {
  return {
    accuracy: acc.map((a) => Float32Array.from(a)),
    loss: acc.map((a) => Float32Array.from(a, (v) => 1 - v)),
    supportLoss: new Float32Array(acc[0]!.length),
    supportAccuracy: new Float32Array(acc[0]!.length),
  };
}

Deno.test("stepsTo80 and methodStats read each seed at its own step count", () => {
  const c = curve([[0.2, 0.9], [0.8, 0.9], [1, 1]]);
  assert.equal(stepsTo80(c, 0), 1);
  assert.equal(stepsTo80(c, 1), 0);
  const o = {
    curve: c,
    cross: null,
    valCurve: { x: [], y: [] },
    stepsUsed: 1,
    itersPerSecond: 1,
    taskBudget: 0,
    chosen: {},
  };
  const st = methodStats("m", [o, { ...o, stepsUsed: 0 }], false)!;
  assert.equal(st.episodes.n, 4);
  assert.ok(Math.abs(st.episodes.mean - (0.8 + 0.9 + 0.2 + 0.9) / 4) < 1e-6);
  assert.equal(methodStats("m", [o], true, { atStep: 2 })!.episodes.mean, 0);
});

Deno.test("beats needs non-overlapping CIs on the better side", () => {
  const hi = summarize([0.8, 0.82, 0.81, 0.79]);
  const lo = summarize([0.5, 0.52, 0.51, 0.49]);
  assert.ok(beats(hi, lo, false) && !beats(lo, hi, false));
  assert.ok(beats(lo, hi, true) && !beats(hi, lo, true));
  assert.ok(!beats(hi, summarize([0.6, 0.9, 0.7, 0.85]), false));
});

Deno.test("every scale of the meta experiment resolves, and full runs the protocol of issue 16", () => {
  const full = resolveConfig(META_EXPERIMENT, { scale: "full" });
  assert.equal(full.seeds, 5);
  assert.equal(full.testEpisodes, 600);
  assert.equal(full.settings.length, 5);
  assert.deepEqual(settingConfig(full, "glyphs-20way-1shot").hidden, [128, 128]);
  assert.deepEqual(settingConfig(full, "glyphs-5way-1shot").hidden, [256, 256]);
  assert.deepEqual([full.glyphs.trainWays, full.glyphs.trainQueries], [20, null]);
  assert.deepEqual(settingConfig(full, "synthetic-1shot").hidden, [64, 64, 16]);
  assert.deepEqual(full.synthetic, {
    trainWays: 20,
    trainShots: 10,
    trainQueries: 6,
    trainPool: 16384,
  });
  const def = resolveConfig(META_EXPERIMENT, { scale: "default" });
  assert.deepEqual(def.synthetic, {
    trainWays: 20,
    trainShots: 10,
    trainQueries: 6,
    trainPool: null,
  });
  assert.deepEqual(settingConfig(def, "glyphs-5way-1shot").hidden, [64, 64]);
  assert.deepEqual(settingConfig(def, "synthetic-1shot").hidden, [64, 64, 16]);
  for (const scale of ["smoke", "default"] as const) {
    const c = resolveConfig(META_EXPERIMENT, { scale });
    assert.ok(staticBudget(c) > 0 && selfImprovingShape(c).iterations >= 1, scale);
  }
});

Deno.test("settingHidden widens one setting's network for every method, baselines included", async () => {
  const c = META_SCHEMA.parse({
    hidden: [16],
    settingHidden: { "synthetic-5shot": [24, 8] },
    settingIterations: { "synthetic-5shot": 7 },
  });
  const wide = settingConfig(c, "synthetic-5shot");
  assert.deepEqual([wide.hidden, wide.metaIterations], [[24, 8], 7]);
  assert.deepEqual(settingConfig(c, "synthetic-1shot").hidden, [16]);
  assert.deepEqual(settingConfig(c, "sinusoid").hidden, [16]);
  assert.deepEqual((await buildSetting("synthetic-5shot", c)).widths, [16, 24, 8, 5]);
  assert.deepEqual((await buildSetting("synthetic-1shot", c)).widths, [16, 16, 5]);
  assert.deepEqual((await buildSetting("sinusoid", c)).widths, [1, 40, 40, 1]);
});

Deno.test("settingHidden rejects the sinusoid (MAML's fixed network) and widths out of range", () => {
  const bad: [unknown, RegExp][] = [
    [{ settingHidden: { sinusoid: [8] } }, /settingHidden\.sinusoid" .*is not a known field/],
    [
      { settingHidden: { "glyphs-5way-1shot": [300] } },
      /settingHidden\.glyphs-5way-1shot\[0\]".*: must be an integer >= 1 and <= 256/,
    ],
    [{ settingHidden: { "glyphs-5way-1shot": [] } }, /1shot".*at least 1 item, at most 3/],
    [{ settingHidden: { "glyphs-5way-1shot": [8, 8, 8, 8] } }, /1shot".*at most 3 items/],
  ];
  for (const [raw, field] of bad) {
    assert.throws(() => resolveConfig(META_EXPERIMENT, { rawConfig: raw }), field);
  }
});

Deno.test("synthetic.trainWays / trainQueries / trainShots: ProtoNets' own wider synthetic episodes", async () => {
  const plain = await buildSetting("synthetic-1shot", META_SCHEMA.parse({ hidden: [16] }));
  assert.equal(plain.protonetTrain, null);
  const c = META_SCHEMA.parse({ hidden: [16], synthetic: { trainWays: 12, trainQueries: 7 } });
  for (const [name, shots] of [["synthetic-1shot", 1], ["synthetic-5shot", 5]] as const) {
    const s = await buildSetting(name, c);
    const wide = s.protonetTrain!.sampleEpisodes(3, 2);
    assert.deepEqual([wide.ways, wide.supportSize, wide.querySize], [12, 12 * shots, 12 * 7]);
    // Every other method keeps the setting's 5-way episodes, and the network keeps 5 outputs.
    const own = s.train.sampleEpisodes(3, 2);
    assert.deepEqual([own.ways, own.supportSize, own.querySize], [5, 5 * shots, 5 * shots]);
    assert.deepEqual(s.widths, [16, 16, 5]);
  }
  // trainShots: more support points per class in ProtoNets' training episodes only.
  const shots5 = META_SCHEMA.parse({ hidden: [16], synthetic: { trainShots: 5 } });
  const s5 = await buildSetting("synthetic-1shot", shots5);
  const e5 = s5.protonetTrain!.sampleEpisodes(3, 2);
  assert.deepEqual([e5.ways, e5.supportSize, e5.querySize], [5, 25, 5]);
  const t5 = s5.test.sampleEpisodes(3, 2);
  assert.deepEqual([t5.ways, t5.supportSize, t5.querySize], [5, 5, 75]);
  // Fewer than the setting's ways or shots: the setting's own shape, so no second pool.
  const narrow = META_SCHEMA.parse({ synthetic: { trainWays: 3, trainQueries: 1, trainShots: 1 } });
  assert.equal((await buildSetting("synthetic-1shot", narrow)).protonetTrain, null);
  const bad: [unknown, RegExp][] = [
    [{ synthetic: { trainWays: 0 } }, /synthetic\.trainWays".*>= 1 and <= 64/],
    [{ synthetic: { trainQueries: 65 } }, /synthetic\.trainQueries".*>= 1 and <= 64/],
    [{ synthetic: { trainShots: 0 } }, /synthetic\.trainShots".*>= 1 and <= 64/],
    [{ synthetic: { ways: 20 } }, /synthetic\.ways" .*is not a known field/],
  ];
  for (const [raw, field] of bad) {
    assert.throws(() => resolveConfig(META_EXPERIMENT, { rawConfig: raw }), field);
  }
});

Deno.test("synthetic.trainPool sizes ProtoNets' own synthetic pool only (null: trainPool)", async () => {
  const sizes = async (synthetic: Record<string, number>) => {
    const c = META_SCHEMA.parse({ hidden: [8], trainPool: 8, synthetic });
    const s = await buildSetting("synthetic-1shot", c);
    const r = openSettingRun({ config: c }, new CpuBackend(), s, 0);
    const got = [r.pools.train.size, r.pools.protonetTrain!.size];
    closeSettingRun(r);
    return got;
  };
  assert.deepEqual(await sizes({ trainWays: 6 }), [8, 8]);
  assert.deepEqual(await sizes({ trainWays: 6, trainPool: 3 }), [8, 3]);
});
