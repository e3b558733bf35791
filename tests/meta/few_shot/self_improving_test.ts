/**
 * The self-improving system's members (meta/few_shot/self_improving_members.ts) and its PBT loop
 * (meta/few_shot/self_improving.ts) on a tiny synthetic problem: members of every method, method
 * switches and exploits that keep shapes and state consistent (CPU backend, and the GPU backend
 * where one exists), the budget count and the change log.
 */
import assert from "node:assert/strict";
import { CpuBackend } from "../../../learners/cpu_backend.ts";
import { GpuBackend } from "../../../learners/gpu/gpu_backend.ts";
import { Rng } from "../../../core/rng.ts";
import { fromExactJson, toExactJson } from "../../../core/exact_json.ts";
import { joinBlobs, splitBlobs } from "../../../core/state_blobs.ts";
import type { Backend } from "../../../learners/backend.ts";
import { headRanges } from "../../../learners/meta_train/mod.ts";
import {
  copyMember,
  createMembers,
  exploreMember,
  initialTheta,
  type Member,
  type MemberMethod,
  type MetaKnobs,
  MetaSgd,
  resolveOptions,
  SelfImprovingSystem,
  switchMethod,
} from "../../../meta/few_shot/mod.ts";
import { gpuTest } from "../../helpers.ts";
import { allIds, type FewShotProblem, fewShotProblem, TINY_FAMILY } from "./_problem.ts";

const FAMILY = TINY_FAMILY;
const KNOBS: MetaKnobs = { innerLr: 0.3, innerSteps: 1, metaLr: 0.01 };
const METHODS: MemberMethod[] = ["reptile", "fomaml", "maml", "meta-sgd", "protonet", "es-maml"];
const OPTIONS = {
  members: 6,
  methods: METHODS,
  metaLrs: { reptile: 0.5 },
  innerSteps: { reptile: 3 },
  initSpread: 3,
  knobs: KNOBS,
  memberTasks: 4,
  maxInnerSteps: 4,
  evalSteps: 3,
};
/** OPTIONS with two groups, exploits every 2 iterations, level 2 every 4 and method switches. */
const PBT_OPTIONS = {
  ...OPTIONS,
  groups: 2,
  interval: 2,
  level2Interval: 4,
  methodSwitch: 1,
  seed: 2,
};

function setup(backend: Backend): FewShotProblem {
  const net = { widths: [8, 16, 3], batchSize: 3 };
  return fewShotProblem(backend, FAMILY, { net, pool: [11, 64], val: [99, 12] });
}

const bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Trains member `m` a few iterations so its state (theta, Meta-SGD's rates) leaves the start. */
async function trainMember(m: Member, p: FewShotProblem, seed: number): Promise<void> {
  await m.learner.train(p.pool, { iterations: 3, metaBatch: 4, seed, validateEvery: 3 });
}

/** Asserts member `m` is consistent: theta and (Meta-SGD) rates of length stride, finite, and it trains and evaluates. */
async function assertConsistent(m: Member, p: FewShotProblem, what: string): Promise<void> {
  const stride = p.loop.layout.stride;
  assert.equal(m.learner.name, m.method, what);
  assert.equal(m.learner.theta.length, stride, what);
  assert.ok(m.learner.theta.every(Number.isFinite), what);
  if (m.method === "meta-sgd") {
    assert.ok(m.learner instanceof MetaSgd, what);
    assert.equal(m.learner.alpha.length, stride, what);
  }
  await trainMember(m, p, 3);
  const curve = await m.learner.evaluate(p.val, allIds(p.val), 2);
  assert.equal(curve.accuracy.length, 3, what);
  assert.equal(curve.accuracy[2]!.length, p.val.size, what);
  assert.ok(curve.accuracy[2]!.every((a) => a >= 0 && a <= 1), what);
}

Deno.test("createMembers cycles every method over the members, with init scales and knobs spread", async () => {
  const p = setup(new CpuBackend());
  const theta = await initialTheta(p.loop, 3);
  const o = resolveOptions({ ...OPTIONS, members: 8 });
  const members = createMembers(p.loop, theta, KNOBS, o, new Rng(9));
  assert.deepEqual(members.map((m) => m.method), [...METHODS, "reptile", "fomaml"]);
  const L = p.loop.layout;
  for (const m of members) {
    assert.ok(m.initScale >= 1 / 3 && m.initScale <= 3, `${m.initScale}`);
    const w = L.weightOffset[0]!;
    assert.ok(Math.abs(m.learner.theta[w]! - theta[w]! * m.initScale) < 1e-6, m.method);
    assert.equal(m.learner.knobs.innerSteps, m.method === "reptile" ? 3 : 1);
    const start = m.method === "reptile" ? 0.5 : KNOBS.metaLr;
    assert.ok(m.learner.knobs.metaLr >= start / 3 && m.learner.knobs.metaLr <= start * 3);
  }
  const sgd = members[3]!.learner as MetaSgd;
  assert.ok(sgd.alpha.subarray(0, L.paramCount).every((a) => a === Math.fround(sgd.knobs.innerLr)));
});

/** Every ordered pair of methods, or (`cyclic`) each method to the next one and back. */
function pairs(cyclic: boolean): [MemberMethod, MemberMethod][] {
  if (cyclic) {
    return METHODS.flatMap((m, i) => {
      const next = METHODS[(i + 1) % METHODS.length]!;
      return [[m, next], [next, m]] as [MemberMethod, MemberMethod][];
    });
  }
  return METHODS.flatMap((a) =>
    METHODS.filter((b) => b !== a).map((b) => [a, b] as [MemberMethod, MemberMethod])
  );
}

async function checkSwitches(backend: Backend, cyclic: boolean): Promise<void> {
  const p = setup(backend);
  const theta = await initialTheta(p.loop, 3);
  const o = resolveOptions(OPTIONS);
  const n = p.loop.layout.paramCount;
  for (const [from, to] of pairs(cyclic)) {
    const [mem] = createMembers(p.loop, theta, KNOBS, { ...o, methods: [from] }, new Rng(1));
    await trainMember(mem!, p, 7);
    const before = Float32Array.from(mem!.learner.theta);
    const old = mem!.learner;
    const ratio = old.knobs.metaLr / o.metaLrs[from];
    const change = switchMethod(mem!, to, p.loop, o);
    const what = `${from} -> ${to}`;
    assert.equal(change.field, "method", what);
    assert.deepEqual(bytes(mem!.learner.theta), bytes(before), what); // theta kept as is
    assert.notEqual(mem!.learner.theta, old.theta, what); // and owned by the new learner
    assert.ok(Math.abs(mem!.learner.knobs.metaLr / o.metaLrs[to] - ratio) < 1e-9, what);
    assert.equal(mem!.learner.knobs.innerSteps, to === "reptile" ? 3 : 1, what);
    if (old instanceof MetaSgd) {
      const mean = old.alpha.subarray(0, n).reduce((a, b) => a + b, 0) / n;
      assert.ok(Math.abs(mem!.learner.knobs.innerLr - mean) < 1e-6, what);
    }
    if (mem!.learner instanceof MetaSgd) {
      const a = mem!.learner.alpha.subarray(0, n);
      assert.ok(a.every((x) => x === Math.fround(mem!.learner.knobs.innerLr)), what);
    }
    await assertConsistent(mem!, p, what);
  }
  p.loop.destroy();
}

Deno.test("switchMethod keeps theta and makes a consistent member for every pair of methods (CPU)", async () => {
  await checkSwitches(new CpuBackend(), false);
});

gpuTest(
  "switchMethod keeps theta and makes a consistent member, each method to the next and back (GPU)",
  async (ctx) => {
    await checkSwitches(await GpuBackend.create(ctx), true);
  },
);

async function checkExploit(backend: Backend): Promise<void> {
  const p = setup(backend);
  const o = resolveOptions(OPTIONS);
  const members = createMembers(p.loop, await initialTheta(p.loop, 3), KNOBS, o, new Rng(4));
  for (const [i, m] of members.entries()) await trainMember(m, p, 10 + i);
  const ids = allIds(p.val);
  for (const source of members) {
    const target = { ...members[0]!, group: 7 };
    copyMember(target, source, p.loop, o);
    assert.equal(target.method, source.method);
    assert.equal(target.group, 7);
    assert.deepEqual(bytes(target.learner.theta), bytes(source.learner.theta), source.method);
    assert.deepEqual(target.learner.knobs, source.learner.knobs);
    assert.notEqual(target.learner.knobs, source.learner.knobs); // a copy, not shared
    if (source.learner instanceof MetaSgd) {
      assert.deepEqual(bytes((target.learner as MetaSgd).alpha), bytes(source.learner.alpha));
    }
    const [ts, ss] = [target.learner.saveState!(), source.learner.saveState!()];
    if (source.method !== "reptile") assert.ok(ss.t > 0, source.method); // Reptile has no Adam
    assert.equal(ts.t, ss.t, source.method); // the optimizer state too
    assert.deepEqual(bytes(ts.moments), bytes(ss.moments), source.method);
    const a = await target.learner.evaluate(p.val, ids, 2);
    const b = await source.learner.evaluate(p.val, ids, 2);
    assert.deepEqual(a.accuracy, b.accuracy, source.method); // same state, same adaptation
    const kept = Float32Array.from(source.learner.theta);
    await trainMember(target, p, 99);
    assert.deepEqual(
      bytes(source.learner.theta),
      bytes(kept),
      "training the copy leaves the source",
    );
  }
  p.loop.destroy();
}

Deno.test("copyMember (exploit) copies method, knobs and the training state into an independent learner (CPU)", async () => {
  await checkExploit(new CpuBackend());
});

gpuTest(
  "copyMember (exploit) copies method, knobs and the training state into an independent learner (GPU)",
  async (ctx) => {
    await checkExploit(await GpuBackend.create(ctx));
  },
);

Deno.test("exploreMember switches to another method and explores only the knobs it uses", async () => {
  const p = setup(new CpuBackend());
  const o = resolveOptions({ ...OPTIONS, methodSwitch: 1 });
  const rng = new Rng(2);
  const members = createMembers(p.loop, await initialTheta(p.loop, 3), KNOBS, o, rng);
  const seen = new Set<string>();
  for (let i = 0; i < 30; i++) {
    const m = members[i % members.length]!;
    const from = m.method;
    const changes = exploreMember(m, 0.3, rng, o, p.loop);
    assert.equal(changes[0]!.field, "method");
    assert.notEqual(m.method, from);
    seen.add(m.method);
    if (m.method === "protonet") {
      assert.ok(changes.slice(1).every((c) => c.field === "metaLr"), JSON.stringify(changes));
    }
  }
  assert.equal(seen.size, METHODS.length);
});

Deno.test("SelfImprovingSystem meta-trains every method at the stated budget and logs exploits, explores and level 2", async () => {
  const p = setup(new CpuBackend());
  const sys = new SelfImprovingSystem(p.loop, await initialTheta(p.loop, 3), PBT_OPTIONS);
  const fitness = { pool: p.val, ids: allIds(p.val) };
  const row = await sys.advance(p.pool, fitness, 9);
  assert.equal(sys.iteration, 9);
  assert.equal(sys.taskAdaptations, 6 * 9 * 4);
  assert.equal(row.task_adaptations, 6 * 9 * 4);
  assert.ok(sys.members.every((m) => Number.isFinite(m.fitness)));
  const kinds = new Set(sys.changes.map((c) => `${c.level} ${c.action} ${c.field}`));
  for (const k of ["1 exploit params+knobs", "1 explore method", "2 exploit sigma+interval"]) {
    assert.ok(kinds.has(k), [...kinds].join(", "));
  }
  assert.ok(sys.changes.every((c) => c.iteration >= 1 && c.iteration <= 9));
  const b = sys.best();
  assert.equal(sys.members[b]!.fitness, Math.max(...sys.members.map((m) => m.fitness)));
  const curve = await sys.evaluate(p.val, fitness.ids, 2);
  assert.equal(curve.accuracy.length, 3);
  const champ = sys.champion()!; // the best any scoring saw, kept as it was
  assert.ok(champ.member.fitness >= sys.members[b]!.fitness);
  assert.ok(champ.iteration >= 1 && champ.iteration <= 9);
  assert.ok(sys.members.every((m) => m.learner !== champ.member.learner));
  const again = await sys.score(fitness);
  assert.ok(again.every((f) => f <= sys.champion()!.member.fitness));
  sys.release();
});

Deno.test("SelfImprovingSystem.exploit copies a member and logs it; the change log keeps its iteration", async () => {
  const p = setup(new CpuBackend());
  const sys = new SelfImprovingSystem(p.loop, await initialTheta(p.loop, 3), {
    ...OPTIONS,
    interval: 100,
    seed: 2,
  });
  await sys.advance(p.pool, { pool: p.val, ids: allIds(p.val) }, 2);
  const src = sys.members[3]!;
  assert.notDeepEqual(bytes(sys.members[0]!.learner.theta), bytes(src.learner.theta));
  sys.exploit(0, 3);
  assert.equal(sys.members[0]!.method, "meta-sgd");
  assert.deepEqual(bytes(sys.members[0]!.learner.theta), bytes(src.learner.theta));
  assert.deepEqual(sys.changes.at(-1), {
    iteration: 2,
    level: 1,
    target: 0,
    action: "exploit",
    field: "params+knobs",
    from: 3,
    to: 0,
  });
  sys.release();
});

Deno.test("SelfImprovingSystem.loadState(saveState()) after a checkpoint's round trip continues exactly as the system never stopped", async () => {
  const p = setup(new CpuBackend());
  const theta = await initialTheta(p.loop, 3);
  const fitness = { pool: p.val, ids: allIds(p.val) };
  const whole = new SelfImprovingSystem(p.loop, theta, PBT_OPTIONS);
  await whole.advance(p.pool, fitness, 5);
  const split = splitBlobs(whole.saveState());
  const saved = joinBlobs(
    fromExactJson(JSON.parse(JSON.stringify(toExactJson(split.state)))),
    split.blobs,
  );
  await whole.advance(p.pool, fitness, 13);
  const resumed = new SelfImprovingSystem(p.loop, theta, PBT_OPTIONS);
  resumed.loadState(saved as ReturnType<SelfImprovingSystem["saveState"]>);
  assert.equal(resumed.iteration, 5);
  await resumed.advance(p.pool, fitness, 13);
  assert.ok(
    whole.changes.some((c) => c.iteration > 5 && c.action === "exploit"),
    "it changed after 5",
  );
  assert.deepEqual(resumed.saveState(), whole.saveState());
  assert.equal(resumed.champion()!.iteration, whole.champion()!.iteration);
  whole.release();
  resumed.release();
});

/** The floats of `m`'s output layer (weights and bias) on `p`'s layout. */
function head(m: Member, p: FewShotProblem): number[] {
  return headRanges(p.loop.layout).flatMap(([a, b]) => [...m.learner.theta.subarray(a, b)]);
}

Deno.test("SelfImprovingSystem's headReset: gradient-based members (created, copied, switched, restored) train with their head reset to zero; off, it moves", async () => {
  const p = setup(new CpuBackend());
  const theta = await initialTheta(p.loop, 3);
  const fitness = { pool: p.val, ids: allIds(p.val) };
  for (const reset of [true, false]) {
    const sys = new SelfImprovingSystem(p.loop, theta, { ...PBT_OPTIONS, headReset: reset });
    await sys.advance(p.pool, fitness, 9);
    assert.ok(sys.changes.some((c) => c.field === "method"), "a member switched its method");
    const again = new SelfImprovingSystem(p.loop, theta, { ...PBT_OPTIONS, headReset: reset });
    again.loadState(sys.saveState());
    for (const s of [sys, again]) {
      for (const [i, m] of s.members.entries()) {
        if (m.method === "protonet") continue;
        await trainMember(m, p, 4 + i);
        const what = `headReset ${reset}: member ${i} (${m.method})`;
        if (reset) assert.ok(head(m, p).every((x) => x === 0), what);
        else assert.ok(head(m, p).some((x) => x !== 0), what);
      }
    }
    sys.release();
    again.release();
  }
});
