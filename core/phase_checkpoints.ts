/**
 * Checkpoints of an experiment made of phases, so that a run killed at any point (kill -9
 * included) and resumed ends with the same metrics and results as a run never interrupted. A
 * finished phase's result is saved (exact JSON) and loaded instead of recomputed on --resume; a
 * long phase may also save its progress (a state that continues it exactly) between its units of
 * work. Every phase result goes through the exact-JSON round trip whether or not the run was
 * resumed, so a resumed run computes from exactly the same values. Used by evolve, l2o and meta.
 * @module
 */

import type { RunContext } from "./experiment.ts";
import type { MetricRow } from "./run_dir.ts";
import { fromExactJson, toExactJson } from "./exact_json.ts";

/** What a phase checkpoint holds: finished phases by name, and the phase in progress. */
interface PhaseCheckpointState {
  /** Results of the finished phases, each as `{ value }` in exact JSON. */
  phases: Record<string, unknown>;
  /** The progress of the phase running when the checkpoint was saved (exact JSON). */
  progress?: { phase: string; state: unknown };
}

/** The checkpoints of one run of phases: finished phases are loaded instead of recomputed. */
export class PhaseCheckpoints {
  #ctx: Pick<RunContext<unknown, unknown>, "saveCheckpoint">;
  #state: PhaseCheckpointState;

  private constructor(
    ctx: Pick<RunContext<unknown, unknown>, "saveCheckpoint">,
    state: PhaseCheckpointState,
  ) {
    this.#ctx = ctx;
    this.#state = state;
  }

  /** Loads the run's last checkpoint (or starts empty). */
  static async load(
    ctx: Pick<RunContext<unknown, unknown>, "saveCheckpoint" | "loadCheckpoint">,
  ): Promise<PhaseCheckpoints> {
    const saved = await ctx.loadCheckpoint<PhaseCheckpointState>();
    return new PhaseCheckpoints(ctx, saved?.state ?? { phases: {} });
  }

  /** True when phase `name` finished in a saved checkpoint. */
  done(name: string): boolean {
    return name in this.#state.phases;
  }

  /** The saved progress of phase `name` (undefined when it has none or finished). */
  progress<S>(name: string): S | undefined {
    const p = this.#state.progress;
    return p?.phase === name ? fromExactJson(p.state) as S : undefined;
  }

  /** Saves the progress of phase `name` (a state that continues it exactly) in a checkpoint. */
  async saveProgress(name: string, state: unknown): Promise<void> {
    this.#state = { ...this.#state, progress: { phase: name, state: toExactJson(state) } };
    await this.#ctx.saveCheckpoint(this.#state);
  }

  /**
   * The result of phase `name`: loaded when a checkpoint has it, else computed by `run` and saved.
   * Either way it is the value after the exact-JSON round trip.
   */
  async phase<T>(name: string, run: () => Promise<T>): Promise<T> {
    if (!this.done(name)) await this.#finish(name, await run());
    return this.#value(name);
  }

  /** Saves the result of phase `name` (the phase ends; its progress goes). */
  async #finish(name: string, value: unknown): Promise<void> {
    this.#state = { phases: { ...this.#state.phases, [name]: { value: toExactJson(value) } } };
    await this.#ctx.saveCheckpoint(this.#state);
  }

  /** The saved result of phase `name`, after the exact-JSON round trip. */
  #value<T>(name: string): T {
    return (fromExactJson(this.#state.phases[name]) as { value: T }).value;
  }

  /**
   * Like `phase` for a phase that yields metric rows: they are yielded (and recorded) before its
   * checkpoint is saved, and a phase loaded from a checkpoint yields none (they were recorded).
   */
  async *phaseWithRows<T>(
    name: string,
    run: () => AsyncGenerator<MetricRow, T>,
  ): AsyncGenerator<MetricRow, T> {
    if (!this.done(name)) await this.#finish(name, yield* run());
    return this.#value(name);
  }
}
