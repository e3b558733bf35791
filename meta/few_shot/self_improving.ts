/**
 * The self-improving system of seeds 000 and 004: base learners adapt (inner loop), the evaluator
 * scores them on meta-validation query sets, each member's meta-learner updates its initialization,
 * and the strategy modifier changes the learning itself, online:
 *
 * - level 1 (PBT, Jaderberg et al. 2017, over M members; each member is one of the registered
 *   meta-learners, Reptile, FOMAML, MAML, ES-MAML, Meta-SGD or ProtoNets, with its own
 *   initialization, init scale, inner lr, inner steps and meta lr): every `interval_g`
 *   meta-iterations the members are scored on the meta-validation episodes and the bottom quarter
 *   of group g copies method, parameters, Meta-SGD's learned rates and knobs of a top-quarter member
 *   (exploit), then perturbs the knobs (explore, scale `sigma_g`; the method may switch, see
 *   meta/few_shot/self_improving_members.ts); the inner-step change is directed by the performance
 *   analyzer (overfitting: fewer steps, underfitting: more); init scales are spread at the start and
 *   selected by exploit;
 * - level 2 (recursion): every `level2Interval` iterations the group whose fitness rose least copies
 *   `sigma` and `interval` from the group that rose most and perturbs them (the same rule);
 * - MirrorMind parts: a plateau scheduler scales every meta lr when the best fitness stalls, and a
 *   gradient monitor halves the inner lr of a member whose meta-gradient explodes.
 *
 * The modifier (levels 1 and 2, the plateau scheduler, the change log) is
 * meta/few_shot/self_improving_modifier.ts; this file trains, scores and keeps the champion.
 *
 * Between two scorings each member meta-trains with its method's own loop (`MetaLearner.train`: the
 * iterations run on the backend, one read per member), all members on the same task ids (common
 * random numbers), `memberTasks` tasks per iteration. The budget is counted in task adaptations
 * (`taskAdaptations`), as the static methods' is.
 * @module
 */
import { deriveSeed, Rng } from "../../core/rng.ts";
import { bestOfCurves } from "./baseline.ts";
import type { EpisodePool } from "./episode_pool.ts";
import { type AdaptCurve, InnerLoop } from "./inner_loop.ts";
import type { MetaKnobs } from "./meta_learner.ts";
import { GradientMonitor, type GradientMonitorState } from "./mirror_mind/gradient_monitor.ts";
import { analyzeFitMean } from "./mirror_mind/performance_analyzer.ts";
import type { ModifierGroup, StrategyChange } from "./pbt.ts";
import {
  copyMember,
  createMembers,
  type Member,
  type MemberState,
  memberState,
  METHOD_CODE,
  restoreMember,
} from "./self_improving_members.ts";
import { type ModifierState, StrategyModifier } from "./self_improving_modifier.ts";
import {
  type ResolvedOptions,
  resolveOptions,
  type SelfImprovingOptions,
} from "./self_improving_options.ts";

export type { Member, ModifierGroup, SelfImprovingOptions };

/** Episodes the members are scored on (meta-validation). */
export interface FitnessEpisodes {
  /** Their pool. */
  pool: EpisodePool;
  /** Their ids. */
  ids: Uint32Array;
}

/** Everything that changes during a run of the system: with its options it continues exactly. */
export interface SelfImprovingState extends ModifierState {
  /** The members. */
  members: MemberState[];
  /** The members' gradient monitors. */
  monitors: GradientMonitorState[];
  /** Meta-iterations, task adaptations and scorings done. */
  counters: { iteration: number; tasks: number; scorings: number };
  /** The best member any scoring saw and the iteration of that scoring (null before any). */
  champion: { member: MemberState; iteration: number } | null;
}

/** Self-improving meta-learning system (PBT strategy modifier over meta-learner members). */
export class SelfImprovingSystem {
  /** "self-improving". */
  readonly name = "self-improving";
  /** Members. */
  readonly members: Member[];
  /**
   * One gradient monitor per member over its meta-gradient (or Reptile update) norms, restarted when
   * the member is overwritten by an exploit: a shared window would mix the scales of the methods.
   */
  readonly monitors: GradientMonitor[];
  #loop: InnerLoop;
  #o: ResolvedOptions;
  #modifier: StrategyModifier;
  #iteration = 0;
  #tasks = 0;
  #scorings = 0;
  #champion: Member | null = null;
  #championAt = 0;

  /**
   * Builds M members from `theta` with knobs spread around `options.knobs`. The members run on an
   * inner loop of their own (same backend and learner), whose loops `release` frees.
   */
  constructor(loop: InnerLoop, theta: Float32Array, options: SelfImprovingOptions) {
    this.#loop = new InnerLoop(loop.backend, loop.spec);
    this.#o = resolveOptions(options);
    const rng = new Rng(deriveSeed(this.#o.seed, "self-improving"));
    this.members = createMembers(this.#loop, theta, options.knobs, this.#o, rng);
    this.monitors = this.members.map(() => new GradientMonitor());
    this.#modifier = new StrategyModifier(this.#o, rng);
  }

  /** Level-2 groups. */
  get groups(): ModifierGroup[] {
    return this.#modifier.groups;
  }

  /** Every change made so far, in order. */
  get changes(): StrategyChange[] {
    return this.#modifier.changes;
  }

  /** A copy of everything that changes during a run (see `SelfImprovingState`). */
  saveState(): SelfImprovingState {
    const c = this.#champion;
    const { groups, changes, rng, next, nextLevel2, scheduler } = this.#modifier.saveState();
    return {
      members: this.members.map(memberState),
      groups,
      changes,
      monitors: this.monitors.map((m) => m.saveState()),
      rng,
      counters: { iteration: this.#iteration, tasks: this.#tasks, scorings: this.#scorings },
      next,
      nextLevel2,
      scheduler,
      champion: c && { member: memberState(c), iteration: this.#championAt },
    };
  }

  /** Continues from a state `saveState` returned (a system built with the same options). */
  loadState(s: SelfImprovingState): void {
    if (s.members.length !== this.members.length || s.groups.length !== this.groups.length) {
      throw new RangeError(
        `Cannot load self-improving state as it must have ${this.members.length} members and ${this.groups.length} groups: current value is ${s.members.length} and ${s.groups.length}`,
      );
    }
    s.members.forEach((m, i) => this.members[i] = restoreMember(m, this.#loop, this.#o));
    this.#modifier.loadState(s);
    s.monitors.forEach((m, i) => {
      this.monitors[i] = new GradientMonitor();
      this.monitors[i]!.loadState(m);
    });
    this.#iteration = s.counters.iteration;
    this.#tasks = s.counters.tasks;
    this.#scorings = s.counters.scorings;
    const c = s.champion;
    this.#champion = c && restoreMember(c.member, this.#loop, this.#o);
    this.#championAt = c?.iteration ?? 0;
  }

  /** Meta-iterations done (by every member). */
  get iteration(): number {
    return this.#iteration;
  }

  /** Task adaptations of meta-training so far (members x iterations x memberTasks). */
  get taskAdaptations(): number {
    return this.#tasks;
  }

  /** Scorings of the whole population on the fitness episodes so far. */
  get scorings(): number {
    return this.#scorings;
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
    return this.members[this.best()]!.learner.knobs;
  }

  #log(c: Omit<StrategyChange, "iteration">): void {
    this.#modifier.log(this.#iteration, c);
  }

  /**
   * Meta-trains every member up to meta-iteration `to`, scoring on `fitness` and running the
   * modifier (level 1 per group, level 2) at each group's exploit iteration on the way. ProtoNets
   * members meta-train on `protonetTrain` when given (the static ProtoNets' wider episodes), every
   * other member on `train`. Returns the metrics row of the last stretch.
   */
  async advance(
    train: EpisodePool,
    fitness: FitnessEpisodes,
    to: number,
    protonetTrain: EpisodePool | null = null,
  ): Promise<Record<string, number>> {
    while (this.#iteration < to) {
      const next = this.#modifier.nextStop(to);
      await this.#trainAll(train, protonetTrain ?? train, next - this.#iteration);
      this.#iteration = next;
      if (!this.#modifier.isDue(next)) continue;
      await this.score(fitness);
      this.#modifier.modify(next, this.members, (t, s) => this.exploit(t, s), this.#loop);
      this.release();
    }
    const b = this.members[this.best()]!;
    return {
      best_fitness: b.fitness,
      best_method: METHOD_CODE[b.method],
      best_inner_lr: b.learner.knobs.innerLr,
      best_inner_steps: b.learner.knobs.innerSteps,
      best_meta_lr: b.learner.knobs.metaLr,
      methods_in_use: new Set(this.members.map((m) => m.method)).size,
      meta_lr_scale: this.#modifier.metaLrScale,
      task_adaptations: this.#tasks,
      changes: this.changes.length,
    };
  }

  /** `n` meta-iterations of every member on the same task ids; the gradient monitor sees each norm. */
  async #trainAll(pool: EpisodePool, protonetPool: EpisodePool, n: number): Promise<void> {
    const T = this.#o.memberTasks;
    const seed = deriveSeed(this.#o.seed, `tasks-${this.#iteration}`);
    for (let m = 0; m < this.members.length; m++) {
      const mem = this.members[m]!;
      const res = await mem.learner.train(mem.method === "protonet" ? protonetPool : pool, {
        iterations: n,
        metaBatch: T,
        seed,
        validateEvery: n,
      });
      const row = res.rows.at(-1) ?? {};
      const g = row.meta_grad_norm ?? row.update_norm ?? row.es_grad_norm ?? 0;
      const health = this.monitors[m]!.observe(g);
      if (health === "exploding" || health === "non-finite") {
        const knobs = mem.learner.knobs;
        const from = knobs.innerLr;
        knobs.innerLr = Math.max(1e-4, from * 0.5);
        const to = knobs.innerLr;
        this.#log({ level: 1, target: m, action: "monitor", field: "innerLr", from, to });
      }
    }
    this.#tasks += this.members.length * n * T;
  }

  /**
   * Scores every member on `f`: fitness is the best mean query accuracy (or minus the loss) over
   * 0..evalSteps inner steps, as the protocol picks a test step count; the analyzer compares support
   * and query accuracy after evalSteps steps.
   */
  async score(f: FitnessEpisodes): Promise<number[]> {
    const K = this.#o.evalSteps;
    for (const mem of this.members) {
      const curve = await mem.learner.evaluate(f.pool, f.ids, K);
      const sc = bestOfCurves([curve], this.#o.metric, 0).score;
      mem.fitness = Number.isFinite(sc) ? sc : -Infinity;
      mem.verdict = this.#o.metric === "accuracy"
        ? analyzeFitMean(curve.supportAccuracy, curve.accuracy[K]!).verdict
        : "ok";
    }
    this.#scorings++;
    const b = this.members[this.best()]!;
    if (Number.isFinite(b.fitness) && !(b.fitness <= (this.#champion?.fitness ?? -Infinity))) {
      this.#champion = { ...b, group: -1 };
      copyMember(this.#champion, b, this.#loop, this.#o);
      this.#championAt = this.#iteration;
    }
    return this.members.map((m) => m.fitness);
  }

  /**
   * The best member any scoring has seen, as it was then (a copy of its method, knobs and training
   * state; early stopping on the fitness episodes), and the iteration of that scoring; null before
   * the first scoring.
   */
  champion(): { member: Member; iteration: number } | null {
    return this.#champion ? { member: this.#champion, iteration: this.#championAt } : null;
  }

  /**
   * Copies member `source` into `target` (method, parameters, Meta-SGD's learned rates, knobs,
   * init scale, fitness) and logs it; the target's gradient monitor restarts.
   */
  exploit(target: number, source: number): void {
    copyMember(this.members[target]!, this.members[source]!, this.#loop, this.#o);
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

  /** Adapts from the fittest member's initialization with its own method. */
  evaluate(pool: EpisodePool, ids: Uint32Array, steps: number): Promise<AdaptCurve> {
    return this.evaluateMember(this.best(), pool, ids, steps);
  }

  /** Adapts from member m's initialization with its own method (Meta-SGD's rates, ProtoNets' prototypes). */
  evaluateMember(
    m: number,
    pool: EpisodePool,
    ids: Uint32Array,
    steps: number,
  ): Promise<AdaptCurve> {
    return this.members[m]!.learner.evaluate(pool, ids, steps);
  }

  /**
   * Frees the backend loops and populations the members made so far (each distinct set of knobs
   * makes its own); they are made again when next needed.
   */
  release(): void {
    this.#loop.destroy();
  }
}
