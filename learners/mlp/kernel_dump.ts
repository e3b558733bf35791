/**
 * The composed WGSL of the train-step and evaluate kernels for one network shape, as the engine
 * compiles it, with a comment at every part boundary naming the file or generator the part comes
 * from (`metaforge kernels --dump`, and the golden files of tests/learners/mlp/golden/).
 * @module
 */
import type { ComposedWgsl } from "../../core/pipelines.ts";
import type { InputPrecision } from "../backend.ts";
import { EVALUATE } from "./evaluate.ts";
import { chooseGrouping, SOFTWARE_GROUPINGS, softwareTilePlan } from "./loop_budget.ts";
import type { MlpKernel } from "./mlp_kernel.ts";
import type { MlpLayout } from "./mlp_layout.ts";
import { planTiles, quadLayout, type TilePlan, tilePlanKey } from "./mlp_tiles.ts";
import type { MlpGrouping } from "./mlp_uniform.ts";
import { type TrainKernel, withFusedStep } from "./mlp_fused.ts";
import { TRAIN_STEP } from "./train_step.ts";

/** The MLP kernels by name. */
export const MLP_KERNELS: Readonly<Record<"train_step" | "evaluate", MlpKernel>> = {
  train_step: TRAIN_STEP,
  evaluate: EVALUATE,
};

/** Name of an MLP kernel: train_step or evaluate. */
export type MlpKernelName = keyof typeof MLP_KERNELS;

/** Which compilation of the MLP kernels to show. */
export interface KernelChoiceOptions {
  /**
   * Workgroup grouping. Default: the first of SOFTWARE_GROUPINGS within the loop budget, as on a
   * software adapter.
   */
  grouping?: MlpGrouping;
  /** Plan the tiles as on a software adapter (softwareTilePlan; default) or on hardware (planTiles). */
  software?: boolean;
  /** Scalar tiles even where the layout allows vec4 (default: vec4 whenever quadLayout holds). */
  scalar?: boolean;
  /** Element type of the data-set inputs (default f32). */
  precision?: InputPrecision;
  /** Train-step kernel on a software adapter (mlp_fused.ts; default "fused" where it applies). */
  trainKernel?: TrainKernel;
}

/** A layout's grouping, tile plan and input precision: what selects one compiled kernel. */
export interface KernelChoice {
  layout: MlpLayout;
  grouping: MlpGrouping;
  plan: TilePlan;
  precision: InputPrecision;
  /** Whether the plan is the software adapter's. */
  software: boolean;
}

/** The grouping and tile plan the engine picks for a layout (populationPipelines), or the ones asked for. */
export function chooseKernel(layout: MlpLayout, o: KernelChoiceOptions = {}): KernelChoice {
  const software = o.software ?? true;
  const grouping = o.grouping ??
    chooseGrouping(layout, SOFTWARE_GROUPINGS, undefined, o.trainKernel);
  const vec4 = !o.scalar && quadLayout(layout);
  const plan = software
    ? withFusedStep(softwareTilePlan(layout, grouping, vec4), layout, grouping, o.trainKernel)
    : planTiles(layout, grouping, vec4);
  return { layout, grouping, plan, precision: o.precision ?? "f32", software };
}

/**
 * The composed source of one kernel with its part boundaries marked: a header naming the shape,
 * grouping and tile plan, then every part preceded by a `// ==== part i/n: FILE ====` line (the
 * code between the markers is exactly what the engine compiles).
 */
export function dumpMlpKernel(name: MlpKernelName, c: KernelChoice): string {
  const src = MLP_KERNELS[name].source(c.grouping, c.plan, c.precision);
  const g = c.grouping;
  const header = [
    `// ${name} kernel for widths ${c.layout.widths.join("-")}, batch ${c.layout.batchSize}, ` +
    `${c.precision} inputs`,
    `// grouping ${g.modelsPerGroup} models x ${g.roles} roles per workgroup; ` +
    `${c.software ? "software-adapter" : "hardware"} tile plan ${tilePlanKey(c.plan)}`,
    (c.plan.fused || c.plan.fused2) && name === "train_step"
      ? `// Fused train step (learners/mlp/mlp_fused${
        c.plan.fused2 ? "2" : ""
      }.ts): sizes, activation and loss are compiled in.`
      : `// Activation and loss are chosen at run time (MlpParams actKind, lossKind): one source serves all.`,
  ];
  return [...header, ...annotatedParts(src)].join("\n") + "\n";
}

/** The lines of a composed source with a marker before each part (its file and line range). */
function annotatedParts(src: ComposedWgsl): string[] {
  const lines = src.code.split("\n");
  const out: string[] = [];
  src.parts.forEach((p, i) => {
    const last = p.firstLine + p.lines - 1;
    out.push(
      `// ==== part ${
        i + 1
      }/${src.parts.length}: ${p.file} (composed lines ${p.firstLine}-${last}) ====`,
    );
    out.push(...lines.slice(p.firstLine - 1, last));
  });
  return out;
}
