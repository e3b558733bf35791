/**
 * Lavapipe silently stops every loop of a shader invocation (a SIMD group of 8 lanes) once it has
 * run 65,535 loop iterations in all (learners/mlp/loop_budget.ts; MAML was FOMAML for weeks because
 * of it, c6fba58). This census computes, for every kernel whose per-invocation loop count grows
 * with a shape, its bound at the shapes the experiments resolve to (`deno task train` at every
 * scale: meta, evolve, l2o, lr-sweep) and the bench's, and asserts that each is within LOOP_BUDGET
 * or that the engine refuses, splits or runs the CPU twin past it (the `guard` column). A change of
 * a preset or a default that pushes an unguarded kernel past the budget fails here instead of
 * truncating silently. Kernels whose loops do not grow with a shape (init_params: layers,
 * sample_batches, rng_fill, meta_es_perturb, meta_sgd_inner, meta_hvp_update: none) are left out. The counts are
 * upper bounds: each loop's iterations plus one exit test per run, branches of a SIMD group summed.
 * Set LOOP_CENSUS=1 to print the table.
 */
import assert from "node:assert/strict";
import { resolveConfig } from "../../core/experiment_registry.ts";
import type { Scale } from "../../core/experiment_registry.ts";
import { SCALES } from "../../core/experiment_registry.ts";
import { LOOP_BUDGET, loopRuns as loop } from "../../learners/mlp/loop_budget.ts";
import {
  chooseGrouping,
  evalChunkIterations,
  evalChunksPerDispatch,
  SOFTWARE_GROUPINGS,
  softwareTilePlan,
  trainIterations,
} from "../../learners/mlp/loop_budget.ts";
import { withFusedStep } from "../../learners/mlp/mlp_fused.ts";
import { type LossKind, type MlpLayout, mlpLayout } from "../../learners/mlp/mlp_layout.ts";
import {
  hvpFitsLoopBudget,
  hvpLoopIterations,
  hvpPlan,
} from "../../learners/meta_train/meta_hvp.ts";
import { lowrankIterations } from "../../learners/meta_train/lowrank_budget.ts";
import { protonetLoopIterations } from "../../learners/meta_train/protonet_grad.ts";
import { bbobLoopIterations, bbobValueIterations } from "../../learners/strategies/bbob_device.ts";
import { strategyLoops } from "../../learners/strategies/strategy_kernels.ts";
import { getStrategy, STRATEGIES } from "../../learners/strategies/registry.ts";
import { META_EXPERIMENT } from "../../meta/few_shot/experiment.ts";
import { settingConfig } from "../../meta/few_shot/config.ts";
import { EVOLVE } from "../../meta/evolution/experiment.ts";
import { TASK_LIBRARY } from "../../meta/evolution/evolve_config.ts";
import { L2O } from "../../meta/l2o/experiment.ts";
import { LR_SWEEP } from "../../meta/lr_sweep.ts";
import { BBOB_IDS } from "../../learners/tasks/bbob.ts";
import { sampleEpisodesIterations } from "../../learners/tasks/sample_episodes.ts";

/** One kernel at one shape: its bound and what the engine does past LOOP_BUDGET (if anything). */
interface Row {
  where: string;
  kernel: string;
  bound: number;
  /** The refusal, split or fallback that applies past the budget; undefined: none (must fit). */
  guard?: string;
}

const CE: LossKind = "cross_entropy";

/** The train step and one evaluation dispatch of a population (learners/mlp/loop_budget.ts). */
function mlpRows(
  where: string,
  widths: number[],
  batchSize: number,
  loss: LossKind = "cross_entropy",
): Row[] {
  const layout = mlpLayout({ size: 1, widths, batchSize, loss });
  const shape = `${where} ${widths.join("-")} batch ${batchSize}`;
  try {
    const g = chooseGrouping(layout, SOFTWARE_GROUPINGS);
    const tiles = softwareTilePlan(layout, g);
    const plan = withFusedStep(tiles, layout, g, "fused");
    return [
      {
        where: shape,
        kernel: "train_step",
        bound: trainIterations(layout, g, plan.fused2 ? plan : tiles),
        guard: "chooseGrouping refuses",
      },
      {
        where: shape,
        kernel: "evaluate",
        bound: evalChunkIterations(layout, g) * evalChunksPerDispatch(layout, g),
        guard: "chunks per dispatch",
      },
    ];
  } catch (e) {
    assert.ok(e instanceof RangeError);
    const bound = trainIterations(layout, SOFTWARE_GROUPINGS.at(-1)!);
    return [{ where: shape, kernel: "train_step", bound, guard: "chooseGrouping refuses" }];
  }
}

/**
 * meta_hvp as a software adapter runs it (hvpPlan): its busiest dispatch, the whole step or a range
 * of samples; past the budget with one sample, that sample's count (GpuBackend runs the CPU twin).
 */
function hvpRow(where: string, layout: MlpLayout): Row {
  const plan = hvpPlan(layout, LOOP_BUDGET);
  assert.equal(hvpFitsLoopBudget(layout), plan !== null);
  if (plan === null) {
    const bound = hvpLoopIterations(layout, { samples: 1, update: false });
    return { where, kernel: "meta_hvp (1 sample)", bound, guard: "GpuBackend: CPU twin" };
  }
  const kernel = plan.fused
    ? "meta_hvp"
    : `meta_hvp (${plan.samples} sample${plan.samples > 1 ? "s" : ""} per dispatch)`;
  const bound = hvpLoopIterations(layout, { samples: plan.samples, update: plan.fused });
  // GpuBackend runs such shapes on the CPU twin unless mamlOnSoftware is "device".
  return { where, kernel, bound, guard: "hvpPlan: samples per dispatch" };
}

/** meta_log (norm over the stride in 64 lanes, then the models) and the meta-updates' mean. */
function metaLoopRows(where: string, widths: number[], batchSize: number, models: number): Row[] {
  const { stride } = mlpLayout({ size: 1, widths, batchSize, loss: "mse" });
  const lanes = Math.ceil(stride / 64);
  return [
    { where, kernel: "meta_log", bound: loop(1, lanes) + loop(1, 6) + loop(1, models) },
    { where, kernel: "meta_*_update (healthy_sum)", bound: loop(1, models) },
    // ES-MAML: the worst loss over 2 pairs, then the pairs (models = 2 pairs).
    { where, kernel: "meta_es_maml_update", bound: loop(1, models) + loop(1, models / 2) },
  ];
}

/** Layer widths, batch and episode shape of a meta setting (meta/few_shot/settings.ts). */
function metaSetting(c: ReturnType<typeof metaConfig>, name: string) {
  const hidden = settingConfig(c, name as Parameters<typeof settingConfig>[1]).hidden;
  if (name === "sinusoid") {
    const loss: LossKind = "mse";
    return {
      widths: [1, 40, 40, 1],
      ways: 1,
      shots: 10,
      queries: 10,
      trainWays: 1,
      trainShots: 10,
      trainQueries: 10,
      loss,
    };
  }
  const shots = name.includes("5shot") ? 5 : 1;
  if (name.startsWith("synthetic")) {
    // ProtoNets' own training episodes (meta/few_shot/settings.ts): wider, more points per class.
    const trainWays = Math.max(5, c.synthetic.trainWays ?? 5);
    const trainShots = Math.max(shots, c.synthetic.trainShots ?? shots);
    const trainQueries = Math.max(shots, c.synthetic.trainQueries ?? shots);
    const widths = [16, ...hidden, 5];
    return { widths, ways: 5, shots, queries: 15, trainWays, trainShots, trainQueries, loss: CE };
  }
  const ways = name.includes("20way") ? 20 : 5;
  const trainWays = Math.max(ways, c.glyphs.trainWays ?? ways);
  const trainQueries = Math.max(shots, c.glyphs.trainQueries ?? shots);
  const widths = [c.glyphs.size ** 2, ...hidden, ways];
  return {
    widths,
    ways,
    shots,
    queries: 15,
    trainWays,
    trainShots: shots,
    trainQueries,
    loss: CE,
  };
}

function metaConfig(scale: Scale) {
  return resolveConfig(META_EXPERIMENT, { scale });
}

function metaRows(scale: Scale): Row[] {
  const c = metaConfig(scale);
  const rows: Row[] = [];
  for (const name of c.settings) {
    const s = metaSetting(c, name);
    const batchSize = s.ways * s.shots;
    const where = `meta ${scale} ${name}`;
    rows.push(...mlpRows(where, s.widths, batchSize, s.loss));
    rows.push(...metaLoopRows(where, s.widths, batchSize, c.metaBatch));
    // meta_gather: one local_label scan of the episode's class list per entry.
    rows.push({ where, kernel: "meta_gather", bound: loop(1, s.trainWays) });
    if (name.startsWith("glyphs")) {
      // sample_episodes' own estimate (learners/tasks/sample_episodes.ts), which it refuses past.
      rows.push({
        where,
        kernel: "sample_episodes",
        bound: sampleEpisodesIterations({ ways: s.ways, shots: s.shots, queryPerClass: s.queries }),
        guard: "sampleEpisodesGpu refuses",
      });
    }
    const layout = mlpLayout({ size: 1, widths: s.widths, batchSize, loss: s.loss });
    if (c.methods.includes("maml")) rows.push(hvpRow(where, layout));
    for (const method of ["reptile", "fomaml"] as const) {
      if (!c.methods.includes(method)) continue;
      const shape = {
        tasks: c.metaBatch,
        support: batchSize,
        batch: batchSize,
        query: method === "fomaml",
        steps: c.innerSteps,
        lr: 0.1,
      };
      let bound: number;
      try {
        bound = lowrankIterations(layout, shape);
      } catch {
        continue; // A shape the factored loop does not take (widths not multiples of 4).
      }
      rows.push({
        where,
        kernel: `lowrank_* (${method}, opt-in)`,
        bound,
        guard: "GpuLowrankLoop refuses; auto picks it only within the budget",
      });
    }
    if (c.methods.includes("protonet") && s.loss === CE) {
      const shape = {
        models: c.metaBatch,
        supportSize: s.trainWays * s.trainShots,
        querySize: s.trainWays * s.trainQueries,
        ways: s.trainWays,
        classWidth: s.trainWays,
        targetWidth: 1,
        idsOffset: 0,
      };
      rows.push({
        where,
        kernel: "protonet_grad",
        bound: protonetLoopIterations(layout, shape),
        guard: "GpuBackend: CPU twin on software adapters",
      });
    }
  }
  return rows;
}

/**
 * evolve_objective: each segment's models fill whole SIMD groups of 8 (objectiveGrid in
 * learners/evolution/evolution_kernels.ts), so a group runs one segment's task.
 */
const SEGMENTS_PER_GROUP = 1;

function evolveRows(scale: Scale): Row[] {
  const c = resolveConfig(EVOLVE, { scale });
  const M = c.modelsPerSegment;
  const where = `evolve ${scale} M=${M}`;
  const rows: Row[] = [];
  const tasks = [...c.trainTasks, ...c.heldOutTasks].map((t) => TASK_LIBRARY[t]!);
  for (const t of tasks) {
    if (t.kind === "neural") {
      const widths = [t.inputs, t.hidden, t.ways];
      const D = mlpLayout({ size: 1, widths, batchSize: 1 }).paramCount;
      rows.push(...mlpRows(`${where} ${t.name}`, widths, t.ways * t.shots));
      rows.push({
        where: `${where} ${t.name}`,
        kernel: "evolve_shape",
        bound: M * (D + 2),
        guard: "createEvolution refuses",
      });
    } else if (t.kind === "objective") {
      // z_at over D for each of the D coordinates, summed over the segments of a group.
      const D = t.dim;
      rows.push({
        where: `${where} ${t.name}`,
        kernel: "evolve_objective (built-in)",
        bound: SEGMENTS_PER_GROUP * (loop(1, D) + D * loop(1, D)),
      });
    }
  }
  // Selection (tournament of at most M draws, then roulette / rank over M), statistics, breeding
  // (a chunk of 32 parameters, each over the blocks and a low rank of at most 4).
  rows.push({ where, kernel: "evolve_select", bound: 4 * loop(1, M) });
  rows.push({ where, kernel: "evolve_stats", bound: loop(1, M) });
  rows.push({ where, kernel: "evolve_breed", bound: loop(1, 32) * (loop(1, 16) + loop(1, 4)) });
  for (const D of c.bbobDims) {
    const per = c.bbobFunctions.map((f) => bbobValueIterations(f, D)).sort((a, b) => b - a);
    rows.push({
      where: `${where} bbob D=${D}`,
      kernel: "evolve_objective (BBOB)",
      bound: per.slice(0, SEGMENTS_PER_GROUP).reduce((a, b) => a + b, 0),
    });
    rows.push({
      where: `${where} bbob D=${D}`,
      kernel: "bbob_eval",
      bound: bbobLoopIterations(c.bbobFunctions, D),
      guard: "runStrategies: CPU twins",
    });
    for (const name of Object.keys(STRATEGIES)) {
      const s = getStrategy(name);
      const config = { instances: c.bbobFunctions.length, dim: D, popSize: s.defaultPopSize(D) };
      rows.push({
        where: `${where} bbob D=${D}`,
        kernel: `es_* (${name})`,
        bound: strategyLoops(name, config, s.defaultParams(config)),
        guard: "runStrategies: CPU twins",
      });
    }
  }
  return rows;
}

/**
 * evolve_objective on BBOB at the worst config the schema allows (bbobDims <= 64, any functions,
 * any M): a group runs one segment's function.
 */
function evolveSchemaRows(): Row[] {
  const per = BBOB_IDS.map((f) => bbobValueIterations(f, 64)).sort((a, b) => b - a);
  return [{
    where: "evolve any config (bbobDims <= 64)",
    kernel: "evolve_objective (BBOB)",
    bound: per.slice(0, SEGMENTS_PER_GROUP).reduce((a, b) => a + b, 0),
  }];
}

function l2oRows(scale: Scale): Row[] {
  const c = resolveConfig(L2O, { scale });
  const widths = [c.family.inputs, ...c.model.hidden, c.family.ways];
  return mlpRows(`l2o ${scale}`, widths, c.model.batchSize);
}

function lrSweepRows(scale: Scale): Row[] {
  const c = resolveConfig(LR_SWEEP, { scale });
  const widths = [c.task.inputs, ...c.hidden, Math.max(1, c.task.ways)];
  return mlpRows(`lr-sweep ${scale}`, widths, c.batchSize);
}

/** The bench's workloads (bench/workloads.ts, metatrain.ts, evolution.ts, strategies.ts). */
function benchRows(): Row[] {
  const rows = [
    ...mlpRows("bench W (P up to 65,536)", [32, 64, 5], 32),
    ...mlpRows("bench W2", [32, 128, 128, 5], 32),
    ...mlpRows("bench evolve", [16, 16, 5], 16),
  ];
  for (const widths of [[16, 64, 64, 5], [196, 64, 64, 5]]) {
    for (const metaBatch of [32, 256]) {
      rows.push(...metaLoopRows(`bench metatrain ${metaBatch}`, widths, 25, metaBatch));
    }
    const layout = mlpLayout({ size: 1, widths, batchSize: 5 });
    rows.push(hvpRow(`bench metatrain ${widths.join("-")}`, layout));
  }
  rows.push({ where: "bench evolve 16 x 64", kernel: "evolve_select", bound: 4 * loop(1, 64) });
  // Roofline probes (bench/roofline.ts: 16 passes over 2,048 floats, 4,096 FMA rounds).
  rows.push(
    { where: "bench roofline", kernel: "probe_storage", bound: loop(1, 16) + 16 * loop(1, 256) },
    { where: "bench roofline", kernel: "probe_fma", bound: loop(1, 4096) },
  );
  for (const D of [40, 100]) {
    const s = getStrategy("cma-es");
    const config = { instances: 64, dim: D, popSize: s.defaultPopSize(D) };
    rows.push(
      {
        where: `bench strategies D=${D}`,
        kernel: "es_* (cma-es)",
        bound: strategyLoops("cma-es", config, s.defaultParams(config)),
        guard: "GpuStrategy refuses",
      },
      {
        where: `bench strategies D=${D}`,
        kernel: "bbob_eval",
        bound: bbobLoopIterations([1], D),
        guard: "BbobDevice refuses",
      },
    );
  }
  return rows;
}

function census(): Row[] {
  const rows: Row[] = [];
  for (const scale of SCALES) {
    rows.push(...metaRows(scale), ...evolveRows(scale), ...l2oRows(scale), ...lrSweepRows(scale));
  }
  return [...rows, ...evolveSchemaRows(), ...benchRows()];
}

Deno.test("every kernel's loop bound at the experiments' and bench's shapes is within LOOP_BUDGET or guarded", () => {
  const rows = census();
  if (Deno.env.get("LOOP_CENSUS")) {
    for (const r of rows) {
      const mark = r.bound <= LOOP_BUDGET ? "ok" : `past budget: ${r.guard}`;
      console.log(`${r.where} | ${r.kernel} | ${r.bound} | ${mark}`);
    }
  }
  // Every experiment at every scale contributed rows (a renamed field would leave none).
  for (const name of ["meta", "evolve", "l2o", "lr-sweep"]) {
    for (const scale of SCALES) {
      assert.ok(rows.some((r) => r.where.startsWith(`${name} ${scale}`)), `${name} ${scale}`);
    }
  }
  const silent = rows.filter((r) => r.bound > LOOP_BUDGET && r.guard === undefined);
  assert.deepEqual(silent, [], "kernels past the loop budget with no refusal, split or fallback");
  // The guards are needed: the full-scale glyph networks are past the budget for MAML's kernel
  // even with one sample per dispatch; the default scale's glyph network can run it split.
  assert.ok(rows.some((r) => r.kernel.startsWith("meta_hvp (1 sample)") && r.bound > LOOP_BUDGET));
  const glyphs = rows.find((r) =>
    r.where === "meta default glyphs-5way-1shot" && r.kernel.startsWith("meta_hvp")
  );
  assert.equal(glyphs?.kernel, "meta_hvp (1 sample per dispatch)");
  assert.ok(glyphs.bound <= LOOP_BUDGET);
});
