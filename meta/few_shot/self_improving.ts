/**
 * The self-improving system of seeds 000 and 004: base learners adapt (inner loop), the evaluator
 * scores them on query sets, the meta-learner updates each member's initialization (FOMAML or
 * Reptile), and the strategy modifier changes the learning itself, online:
 *
 * - level 1 (PBT over M members, each with its own initialization, meta-update method (FOMAML or
 *   Reptile), init scale, inner lr, inner steps and meta lr): every `interval_g` iterations the bottom quarter of group g copies parameters,
 *   optimizer state and knobs of a top-quarter member (exploit: the member's row of `store` is
 *   copied on the device with `Population.copyModels`, bit-exact)
 *   and perturbs the knobs (explore, scale `sigma_g`; the method may flip); the inner-step change
 *   is directed by the performance analyzer (overfitting: fewer steps, underfitting: more); init
 *   scales are spread at the start and selected by exploit;
 * - level 2 (recursion): every `level2Interval` iterations the group whose fitness rose least copies
 *   `sigma` and `interval` from the group that rose most and perturbs them (the same rule);
 * - MirrorMind parts: a plateau scheduler scales every meta lr when the population stalls, a
 *   gradient monitor halves the inner lr of a member whose meta-gradient explodes, a curriculum
 *   moves through difficulty pools, a task selector favours hard tasks and a replay memory re-serves
 *   important past tasks.
 *
 * All M x T inner loops (T tasks per member) run as one population: one submit of inner steps, then
 * two to four readbacks (query eval, support eval for classification, query gradients of FOMAML
 * members, adapted parameters of Reptile members) per meta-iteration.
 * @module
 */
import { deriveSeed, Rng } from "../../core/rng.ts";
import { PerformanceSchedule } from "../../learners/tasks/difficulty_schedule.ts";
import { TaskSampler } from "../../learners/tasks/task_sampler.ts";
import type { EpisodePool } from "./episode_pool.ts";
import type { AdaptCurve, InnerLoop } from "./inner_loop.ts";
import { evaluateInit, type MetaKnobs } from "./meta_learner.ts";
import { ExperienceReplay } from "./mirror_mind/experience_replay.ts";
import { GradientMonitor } from "./mirror_mind/gradient_monitor.ts";
import { analyzeFitMean } from "./mirror_mind/performance_analyzer.ts";
import { PlateauScheduler } from "./mirror_mind/plateau_scheduler.ts";
import { exploitPairs, level2Step, type ModifierGroup, type StrategyChange } from "./pbt.ts";
import {
  createMembers,
  exploreMember,
  type Member,
  updateMember,
} from "./self_improving_members.ts";

export type { Member, ModifierGroup };
import { flagRows } from "../../learners/meta_train/meta_mean.ts";
import type { Population } from "../../learners/backend.ts";
import {
  type ResolvedOptions,
  resolveOptions,
  type SelfImprovingOptions,
} from "./self_improving_options.ts";

export type { SelfImprovingOptions };

/** Self-improving meta-learning system (PBT strategy modifier over FOMAML/Reptile members). */
export class SelfImprovingSystem {
  /** "self-improving". */
  readonly name = "self-improving";
  /** Members. */
  readonly members: Member[];
  /** Level-2 groups. */
  readonly groups: ModifierGroup[];
  /** Every change made so far, in order. */
  readonly changes: StrategyChange[] = [];
  /**
   * One gradient monitor per member over its meta-gradient (FOMAML) or update (Reptile) norms,
   * restarted when the member is overwritten by an exploit: a shared window would mix the scales of
   * the two methods and of different members and flag every large one as a spike.
   */
  readonly monitors: GradientMonitor[];
  /**
   * The members' initializations, one model per member (row m is member m's theta): the device
   * copy that the exploit step copies; `Member.theta` mirrors it.
   */
  readonly store: Population;
  #loop: InnerLoop;
  #o: ResolvedOptions;
  #rng: Rng;
  #iteration = 0;
  #scheduler: PlateauScheduler;
  #curriculum: PerformanceSchedule;
  #sampler: TaskSampler | null;
  #replay: ExperienceReplay | null;

  /** Builds M members from `theta` with knobs spread around `options.knobs`. */
  constructor(loop: InnerLoop, theta: Float32Array, options: SelfImprovingOptions) {
    this.#loop = loop;
    this.#o = resolveOptions(options);
    this.#rng = new Rng(deriveSeed(this.#o.seed, "self-improving"));
    this.members = createMembers(theta, loop.layout, options.knobs, this.#o, this.#rng);
    this.monitors = this.members.map(() => new GradientMonitor());
    this.store = loop.backend.createPopulation({ size: this.#o.members, ...loop.spec });
    this.#writeStore();
    this.groups = Array.from({ length: this.#o.groups }, () => ({
      sigma: this.#o.sigma,
      interval: this.#o.interval,
      lastFitness: NaN,
    }));
    this.#scheduler = new PlateauScheduler({
      lr: 1,
      mode: "max",
      patience: 8,
      factor: 0.7,
      cooldown: 4,
      minLr: 0.1,
    });
    this.#curriculum = new PerformanceSchedule({
      threshold: this.#o.curriculumThreshold,
      patience: 3,
      increment: 0.5,
    });
    const T = this.#o.selectorTasks;
    this.#sampler = T > 0 ? new TaskSampler(T, { seed: this.#o.seed, temperature: 0.5 }) : null;
    this.#replay = T > 0 ? new ExperienceReplay({ capacity: 64, seed: this.#o.seed }) : null;
  }

  /** Meta-iterations done. */
  get iteration(): number {
    return this.#iteration;
  }

  /** Index of the fittest member (the first when none is scored yet). */
  best(): number {
    let b = 0;
    for (let m = 1; m < this.members.length; m++) {
      const f = this.members[m]!.fitness;
      if (Number.isFinite(f) && !(f <= this.members[b]!.fitness)) b = m;
    }
    return b;
  }

  /** The knobs of the fittest member. */
  get knobs(): MetaKnobs {
    return this.members[this.best()]!.knobs;
  }

  /** The curriculum's current pool among `levels` (0 = easiest). */
  level(levels: number): number {
    return Math.round(this.#curriculum.difficulty() * (levels - 1));
  }

  /** Picks `count` episode ids: task selector plus replay when enabled, else uniform from `poolSize`. */
  pickTasks(count: number, poolSize: number): Uint32Array {
    const out = new Uint32Array(count);
    if (!this.#sampler || !this.#replay) {
      for (let i = 0; i < count; i++) out[i] = this.#rng.int(poolSize);
      return out;
    }
    const fromReplay = this.#replay.sample(Math.floor(count * this.#o.replayFraction));
    const fresh = this.#sampler.sample(count - fromReplay.length);
    out.set(fresh);
    out.set(fromReplay, fresh.length);
    return out;
  }

  #log(c: Omit<StrategyChange, "iteration">): void {
    this.changes.push({ iteration: this.#iteration, ...c });
  }

  /** One meta-iteration of every member on the same meta-batch `ids` of `pool`. */
  async step(pool: EpisodePool, ids: Uint32Array): Promise<Record<string, number>> {
    const M = this.members.length;
    const T = ids.length;
    const rows = await this.#adaptAll(pool, ids);
    const lrScale = this.#scheduler.lr;
    let sumFit = 0;
    for (let m = 0; m < M; m++) {
      const mem = this.members[m]!;
      sumFit += this.#score(mem, m, T, rows.q, rows.s);
      const gNorm = updateMember(mem, m, T, rows, this.#loop.layout, lrScale);
      const health = this.monitors[m]!.observe(gNorm);
      if (health === "exploding" || health === "non-finite") {
        const from = mem.knobs.innerLr;
        mem.knobs.innerLr = Math.max(1e-4, from * 0.5);
        this.#log({
          level: 1,
          target: m,
          action: "monitor",
          field: "innerLr",
          from,
          to: mem.knobs.innerLr,
        });
      }
    }
    this.#observeTasks(ids, rows.q.loss, sumFit / M);
    this.#writeStore();
    this.#iteration++;
    this.#pbt();
    const b = this.members[this.best()]!;
    return {
      query_accuracy: sumFit / M,
      best_fitness: b.fitness,
      best_inner_lr: b.knobs.innerLr,
      best_inner_steps: b.knobs.innerSteps,
      best_meta_lr: b.knobs.metaLr,
      reptile_members: this.members.filter((x) => x.method === "reptile").length,
      meta_lr_scale: this.#scheduler.lr,
      changes: this.changes.length,
    };
  }

  /**
   * Adapts every member to every task in one population (from the host mirrors of the members'
   * rows, which exploit keeps equal to the device copies); reads the query evaluation, the support
   * evaluation (for the analyzer, classification only), query gradients (FOMAML members) and
   * adapted parameters (Reptile members).
   */
  async #adaptAll(pool: EpisodePool, ids: Uint32Array) {
    const { stride, paramCount } = this.#loop.layout;
    const T = ids.length;
    const P = this.members.length * T;
    const params = new Float32Array(P * stride);
    const allIds = new Uint32Array(P);
    const lrs = new Float64Array(P);
    const steps = new Array<number>(P);
    this.members.forEach((mem, m) => {
      for (let t = 0; t < T; t++) {
        const p = m * T + t;
        params.set(mem.theta.subarray(0, paramCount), p * stride);
        allIds[p] = ids[t]!;
        lrs[p] = mem.knobs.innerLr;
        steps[p] = mem.knobs.innerSteps;
      }
    });
    const anyFomaml = this.members.some((m) => m.method === "fomaml");
    const anyReptile = this.members.some((m) => m.method === "reptile");
    const { pop, gathered } = this.#loop.adapt(pool, allIds, params, {
      lr: lrs,
      steps,
      querySlot: anyFomaml,
    });
    const q = await pop.evaluate(pool.data, gathered.query);
    const s = this.#o.fitness === "accuracy"
      ? await pop.evaluate(pool.data, gathered.support)
      : null;
    const g = anyFomaml ? await pop.gradients(pool.data) : null;
    const adapted = anyReptile ? await pop.readParams() : null;
    const flags = flagRows([], P, stride, 0, (g ?? await pop.readMetrics()).diverged);
    return { q, s, grads: g ? g.grads : null, params: adapted, flags };
  }

  /** Member m's fitness signal on its T tasks, folded into its moving average; returns the signal. */
  #score(
    mem: Member,
    m: number,
    T: number,
    q: { accuracy: Float32Array; loss: Float32Array },
    s: { accuracy: Float32Array } | null,
  ): number {
    const qa = q.accuracy.subarray(m * T, (m + 1) * T);
    let fit = qa.reduce((a, b) => a + b, 0) / T;
    if (this.#o.fitness === "negLoss") {
      let l = 0;
      for (let t = 0; t < T; t++) l += Math.min(q.loss[m * T + t]!, 1e3) || 1e3;
      fit = -l / T;
    }
    const d = this.#o.fitnessDecay;
    mem.fitness = Number.isFinite(mem.fitness) ? d * mem.fitness + (1 - d) * fit : fit;
    mem.verdict = s ? analyzeFitMean(s.accuracy.subarray(m * T, (m + 1) * T), qa).verdict : "ok";
    return fit;
  }

  /** Task selector, replay, curriculum and plateau scheduler see this iteration's results. */
  #observeTasks(ids: Uint32Array, qLoss: Float32Array, meanFit: number): void {
    const M = this.members.length;
    const T = ids.length;
    if (this.#sampler && this.#replay) {
      for (let t = 0; t < T; t++) {
        let l = 0;
        for (let m = 0; m < M; m++) {
          l += Number.isFinite(qLoss[m * T + t]!) ? qLoss[m * T + t]! : 10;
        }
        if (ids[t]! < this.#sampler.tasks) this.#sampler.update(ids[t]!, l / M);
        this.#replay.add(ids[t]!, l / M);
      }
    }
    const levelBefore = this.#curriculum.difficulty();
    this.#curriculum.observe(meanFit);
    const level = this.#curriculum.difficulty();
    if (level !== levelBefore) {
      this.#log({
        level: 1,
        target: -1,
        action: "scheduler",
        field: "curriculum",
        from: levelBefore,
        to: level,
      });
    }
    const from = this.#scheduler.lr;
    const sch = this.#scheduler.step(Math.max(...this.members.map((m) => m.fitness)));
    if (sch.changed) {
      this.#log({
        level: 1,
        target: -1,
        action: "scheduler",
        field: "metaLrScale",
        from,
        to: sch.lr,
      });
    }
  }

  #writeStore(): void {
    const stride = this.#loop.layout.stride;
    const next = new Float32Array(this.members.length * stride);
    this.members.forEach((m, i) => next.set(m.theta.subarray(0, stride), i * stride));
    this.store.writeParams(next);
  }

  /**
   * Copies member `source` into `target` (parameters, optimizer state, knobs, fitness) and logs it:
   * the parameter row on the device (`store.copyModels`), its host mirror, knobs and Adam state.
   */
  exploit(target: number, source: number): void {
    const t = this.members[target]!;
    const s = this.members[source]!;
    this.store.copyModels([source], [target]);
    t.theta.set(s.theta);
    t.adam = s.adam.clone();
    t.knobs = { ...s.knobs };
    t.method = s.method;
    t.initScale = s.initScale;
    t.fitness = s.fitness;
    t.verdict = s.verdict;
    this.monitors[target] = new GradientMonitor();
    this.#log({
      level: 1,
      target,
      action: "exploit",
      field: "params+knobs",
      from: source,
      to: target,
    });
  }

  #pbt(): void {
    const it = this.#iteration;
    const fitness = this.members.map((m) => m.fitness);
    for (let g = 0; g < this.groups.length; g++) {
      const grp = this.groups[g]!;
      if (it % grp.interval !== 0) continue;
      const cands = this.members.map((m, i) => (m.group === g ? i : -1)).filter((i) => i >= 0);
      for (const { target, source } of exploitPairs(fitness, this.#o.fraction, this.#rng, cands)) {
        this.exploit(target, source);
        const changes = exploreMember(this.members[target]!, grp.sigma, this.#rng, this.#o);
        for (const c of changes) this.#log({ level: 1, target, ...c });
      }
    }
    if (this.groups.length > 1 && it % this.#o.level2Interval === 0) this.#level2();
  }

  #level2(): void {
    const fitness = this.members.map((m) => m.fitness);
    const groupOf = this.members.map((m) => m.group);
    for (const c of level2Step(this.groups, fitness, groupOf, this.#rng)) this.#log(c);
  }

  /** Adapts from the fittest member's initialization with its inner lr. */
  evaluate(pool: EpisodePool, ids: Uint32Array, steps: number): Promise<AdaptCurve> {
    return this.evaluateMember(this.best(), pool, ids, steps);
  }

  /** Adapts from member m's initialization with its inner lr. */
  evaluateMember(
    m: number,
    pool: EpisodePool,
    ids: Uint32Array,
    steps: number,
  ): Promise<AdaptCurve> {
    const b = this.members[m]!;
    return evaluateInit(this.#loop, b.theta, b.knobs, pool, ids, steps);
  }
}
