/**
 * Checkpoints of an experiment made of phases, so that a run killed at any point (kill -9
 * included) and resumed ends with the same metrics and results as a run never interrupted. A
 * finished phase's result is saved (exact JSON) and loaded instead of recomputed on --resume; a
 * long phase may also save its progress (a state that continues it exactly) between its units of
 * work, every time (`saveProgress`) or when a checkpoint interval of work has passed since the last
 * save (`progressSaver`); its large typed arrays go to binary blobs (core/state_blobs.ts). Every
 * phase result goes through the exact-JSON round trip whether or not the run was resumed, so a
 * resumed run computes from exactly the same values. Used by evolve, l2o and meta.
 * @module
 */

import { join } from "node:path";
import type { RunContext } from "./experiment.ts";
import type { MetricRow } from "./run_dir.ts";
import { fromExactJson, toExactJson } from "./exact_json.ts";
import { InputError } from "./input_error.ts";
import { JsonLog } from "./json_log.ts";
import { joinBlobs, splitBlobs } from "./state_blobs.ts";

/** What a phase checkpoint's state.json holds: the finished phases' count, the phase in progress. */
interface PhaseCheckpointState {
  /** Finished phases: lines of the results log (`checkpoint/phases.jsonl`). */
  phases: number;
  /** The progress of the phase running when the checkpoint was saved (exact JSON). */
  progress?: { phase: string; state: unknown };
}

/** One line of the results log: a finished phase and its result. */
interface PhaseResult {
  phase: string;
  value: unknown;
}

/** The progress of the running phase: its exact-JSON state and the blobs of its large arrays. */
interface Progress {
  phase: string;
  state: unknown;
  blobs: Record<string, Uint8Array>;
}

/**
 * Where a long unit of work inside a phase (a method's meta-training, say) finds the progress an
 * interrupted run saved and saves its own, at most once per checkpoint interval of work. The state
 * must continue the work exactly: a run resumed from any save ends as a run never interrupted.
 */
export interface ProgressSaver {
  /** The progress saved by an interrupted run of this phase (undefined: start afresh). */
  resumeFrom<S>(): S | undefined;
  /**
   * Saves `state()` (exact JSON; typed arrays allowed) as the phase's progress when the interval
   * has passed since the last checkpoint save, or a stop (SIGINT, SIGTERM) waits for a checkpoint;
   * returns true when it saved. Call it only where every metric row of the work so far has been
   * yielded.
   */
  maybeSave(state: () => unknown | Promise<unknown>): Promise<boolean>;
}

/** What `PhaseCheckpoints` needs of a run. */
type PhaseRun = Pick<
  RunContext<unknown, unknown>,
  "saveCheckpoint" | "loadCheckpoint" | "checkpointDir" | "stopRequested"
>;

/**
 * The checkpoints of one run of phases: finished phases are loaded instead of recomputed. Their
 * results go to an append-only log, `checkpoint/phases.jsonl`, so state.json stays small (the
 * finished phases' count and the progress of the running one) and each save writes only what is new.
 */
export class PhaseCheckpoints {
  #ctx: PhaseRun;
  #log: JsonLog<PhaseResult>;
  #results: Map<string, unknown>;
  #progress: Progress | undefined;
  #lastSave = performance.now();

  private constructor(
    ctx: PhaseRun,
    log: JsonLog<PhaseResult>,
    results: Map<string, unknown>,
    progress: Progress | undefined,
  ) {
    this.#ctx = ctx;
    this.#log = log;
    this.#results = results;
    this.#progress = progress;
  }

  /** Loads the run's last checkpoint (or starts empty). */
  static async load(ctx: PhaseRun): Promise<PhaseCheckpoints> {
    const loaded = await ctx.loadCheckpoint<PhaseCheckpointState>();
    const saved = loaded?.state;
    if (saved !== undefined && !Number.isInteger(saved.phases)) {
      throw new InputError(
        `Cannot resume from "${ctx.checkpointDir}" as its phases must be a count (a checkpoint of this version): current value is ${
          JSON.stringify(saved.phases)?.slice(0, 40)
        }`,
      );
    }
    const path = join(ctx.checkpointDir, "phases.jsonl");
    const log = await JsonLog.open<PhaseResult>(path, saved?.phases ?? 0);
    const results = new Map((await log.readAll()).map((r) => [r.phase, r.value]));
    const p = saved?.progress;
    const progress = p && { phase: p.phase, state: p.state, blobs: loaded?.blobs ?? {} };
    return new PhaseCheckpoints(ctx, log, results, progress);
  }

  /** True when phase `name` finished in a saved checkpoint. */
  done(name: string): boolean {
    return this.#results.has(name);
  }

  /** The saved progress of phase `name` (undefined when it has none or finished). */
  progress<S>(name: string): S | undefined {
    const p = this.#progress;
    return p?.phase === name ? joinBlobs(fromExactJson(p.state), p.blobs) as S : undefined;
  }

  /** Saves the progress of phase `name` (a state that continues it exactly) in a checkpoint. */
  async saveProgress(name: string, state: unknown): Promise<void> {
    const split = splitBlobs(state);
    this.#progress = { phase: name, state: toExactJson(split.state), blobs: split.blobs };
    await this.#save();
  }

  /**
   * The progress saver of phase `name`: it saves when `seconds` of work have passed since the
   * last checkpoint save of the run (0: at every call), and at once when the run is asked to stop.
   */
  progressSaver(name: string, seconds: number): ProgressSaver {
    return {
      resumeFrom: <S>() => this.progress<S>(name),
      maybeSave: async (state) => {
        const due = performance.now() - this.#lastSave >= 1000 * seconds;
        if (!due && !this.#ctx.stopRequested?.()) return false;
        await this.saveProgress(name, await state());
        return true;
      },
    };
  }

  /** Saves state.json (the finished phases' count and the progress, if any) and its blobs. */
  async #save(): Promise<void> {
    const p = this.#progress;
    const progress = p === undefined ? {} : { progress: { phase: p.phase, state: p.state } };
    const state: PhaseCheckpointState = { phases: this.#log.lines, ...progress };
    await this.#ctx.saveCheckpoint(state, p?.blobs);
    this.#lastSave = performance.now();
  }

  /**
   * The result of phase `name`: loaded when a checkpoint has it, else computed by `run` and saved.
   * Either way it is the value after the exact-JSON round trip.
   */
  async phase<T>(name: string, run: () => Promise<T>): Promise<T> {
    if (!this.done(name)) await this.#finish(name, await run());
    return this.#value(name);
  }

  /** Logs the result of phase `name` and saves a checkpoint (the phase ends; its progress goes). */
  async #finish(name: string, value: unknown): Promise<void> {
    await this.#log.append({ phase: name, value });
    this.#results.set(name, fromExactJson(toExactJson(value)));
    this.#progress = undefined;
    await this.#save();
  }

  /** The saved result of phase `name`, after the exact-JSON round trip. */
  #value<T>(name: string): T {
    return this.#results.get(name) as T;
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
