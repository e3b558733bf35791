/**
 * The strategy modifier of the self-improving system (meta/few_shot/self_improving.ts): when it is
 * due, PBT level 1 per group (the bottom quarter of a group exploits a top-quarter member, then
 * explores; meta/few_shot/pbt.ts), level 2 across the groups (their sigma and interval), then
 * MirrorMind's plateau scheduler on the best fitness. It owns the groups, their exploit schedule,
 * the change log and the random generator the system draws from.
 * @module
 */
import { Rng, type RngState } from "../../core/rng.ts";
import type { InnerLoop } from "./inner_loop.ts";
import { PlateauScheduler, type PlateauSchedulerState } from "./mirror_mind/plateau_scheduler.ts";
import { exploitPairs, level2Step, type ModifierGroup, type StrategyChange } from "./pbt.ts";
import { exploreMember, type Member } from "./self_improving_members.ts";
import type { ResolvedOptions } from "./self_improving_options.ts";

/** The parts of the self-improving state that the modifier owns. */
export interface ModifierState {
  /** The level-2 groups. */
  groups: ModifierGroup[];
  /** The change log. */
  changes: StrategyChange[];
  /** The modifier's random generator. */
  rng: RngState;
  /** Each group's next exploit iteration. */
  next: number[];
  /** The next level-2 step (Infinity with one group). */
  nextLevel2: number;
  /** The plateau scheduler. */
  scheduler: PlateauSchedulerState;
}

/** PBT levels 1 and 2 and the plateau scheduler of the self-improving system, with its change log. */
export class StrategyModifier {
  /** Level-2 groups. */
  readonly groups: ModifierGroup[];
  /** Every change made so far, in order. */
  readonly changes: StrategyChange[] = [];
  #o: ResolvedOptions;
  #rng: Rng;
  #next: number[];
  #nextLevel2: number;
  #scheduler = new PlateauScheduler({
    lr: 1,
    mode: "max",
    patience: 8,
    factor: 0.7,
    cooldown: 4,
    minLr: 0.1,
  });

  /** The groups of `o` at its sigma and interval, drawing from `rng`. */
  constructor(o: ResolvedOptions, rng: Rng) {
    this.#o = o;
    this.#rng = rng;
    this.groups = Array.from({ length: o.groups }, () => ({
      sigma: o.sigma,
      interval: o.interval,
      lastFitness: NaN,
    }));
    this.#next = this.groups.map((g) => g.interval);
    this.#nextLevel2 = this.groups.length > 1 ? o.level2Interval : Infinity;
  }

  /** The plateau scheduler's scale of every meta lr (1 until it cuts). */
  get metaLrScale(): number {
    return this.#scheduler.lr;
  }

  /** The first iteration, up to `to`, at which a group or level 2 is due. */
  nextStop(to: number): number {
    return Math.min(to, this.#nextLevel2, ...this.#next);
  }

  /** True when a group or level 2 is due at iteration `it` (a `nextStop`). */
  isDue(it: number): boolean {
    return it >= this.#nextLevel2 || this.#next.includes(it);
  }

  /** Adds change `c`, made at iteration `iteration`, to the log. */
  log(iteration: number, c: Omit<StrategyChange, "iteration">): void {
    this.changes.push({ iteration, ...c });
  }

  /**
   * Level 1 for the groups due at `it` (`exploit(target, source)` copies and logs; the explore is
   * logged here), level 2 when due, then the plateau scheduler on the members' best fitness.
   */
  modify(
    it: number,
    members: Member[],
    exploit: (target: number, source: number) => void,
    loop: InnerLoop,
  ): void {
    const fitness = members.map((m) => m.fitness);
    for (let g = 0; g < this.groups.length; g++) {
      if (this.#next[g] !== it) continue;
      const grp = this.groups[g]!;
      const cands = members.map((m, i) => (m.group === g ? i : -1)).filter((i) => i >= 0);
      for (const { target, source } of exploitPairs(fitness, this.#o.fraction, this.#rng, cands)) {
        exploit(target, source);
        const changes = exploreMember(members[target]!, grp.sigma, this.#rng, this.#o, loop);
        for (const c of changes) this.log(it, { level: 1, target, ...c });
      }
    }
    if (it === this.#nextLevel2) {
      const groupOf = members.map((m) => m.group);
      const range = this.#o.intervalRange;
      for (const c of level2Step(this.groups, fitness, groupOf, this.#rng, range)) this.log(it, c);
      this.#nextLevel2 += this.#o.level2Interval;
    }
    this.groups.forEach((grp, g) => {
      if (this.#next[g] === it) this.#next[g] = it + grp.interval;
    });
    this.#schedule(it, members);
  }

  /** The plateau scheduler on the best fitness; a cut scales every member's meta lr, logged. */
  #schedule(it: number, members: Member[]): void {
    const from = this.#scheduler.lr;
    const sch = this.#scheduler.step(Math.max(...members.map((m) => m.fitness)));
    if (!sch.changed) return;
    for (const m of members) m.learner.knobs.metaLr *= sch.lr / from;
    this.log(it, {
      level: 1,
      target: -1,
      action: "scheduler",
      field: "metaLrScale",
      from,
      to: sch.lr,
    });
  }

  /** A copy of the modifier's state. */
  saveState(): ModifierState {
    return {
      groups: this.groups.map((g) => ({ ...g })),
      changes: this.changes.map((c) => ({ ...c })),
      rng: this.#rng.state(),
      next: [...this.#next],
      nextLevel2: this.#nextLevel2,
      scheduler: this.#scheduler.saveState(),
    };
  }

  /** Continues from `s` (as many groups as this modifier's, checked by the caller). */
  loadState(s: ModifierState): void {
    s.groups.forEach((g, i) => Object.assign(this.groups[i]!, g));
    this.changes.splice(0, this.changes.length, ...s.changes.map((c) => ({ ...c })));
    this.#rng = Rng.fromState(s.rng);
    this.#next = [...s.next];
    this.#nextLevel2 = s.nextLevel2;
    this.#scheduler.loadState(s.scheduler);
  }
}
