/** A tiny experiment for the run tests: decaying losses over a few seeds, no GPU. */
import { z } from "zod";
import type { Experiment } from "../../core/experiment.ts";
import { curveSeries } from "../../core/plots.ts";
import { aggregateCurves, summarize } from "../../core/stats.ts";

/** Config schema of the toy experiment. */
export const toySchema = z.object({
  steps: z.number().int().min(1).max(1000).default(40),
  seeds: z.number().int().min(1).max(10).default(3),
  inner: z.object({ lr: z.number().min(0).max(10).default(0.1) }).default({}),
  fail: z.boolean().default(false),
});

/** Resolved toy config. */
export type ToyConfig = z.output<typeof toySchema>;

/** The toy experiment (not registered: tests register it under their own names). */
export function toyExperiment(
  name = "toy",
): Omit<Experiment<ToyConfig>, "schema"> & { readonly schema: typeof toySchema } {
  return {
    name,
    description: "Decaying losses over a few seeds.",
    schema: toySchema,
    scales: { smoke: { steps: 12, seeds: 2 }, full: { steps: 200 } },
    progress: { metric: "loss", goal: "min" },
    steps: (config) => config.steps,
    async *run(ctx) {
      const { steps, seeds, inner } = ctx.config;
      const curves: number[][] = Array.from({ length: seeds }, () => []);
      for (let step = 1; step <= steps; step++) {
        if (ctx.config.fail && step === 5) throw new Error("diverged at step 5");
        for (let s = 0; s < seeds; s++) {
          curves[s]!.push(Math.exp(-inner.lr * step) * (1 + 0.1 * s) + 0.01 * ((ctx.seed + s) % 3));
        }
        yield {
          step,
          loss: curves[0]![step - 1]!,
          mean_loss: curves.reduce((a, c) => a + c[step - 1]!, 0) / seeds,
          phase: step <= 3 ? "warmup" : "train",
        };
        if (step === 2) yield { step, loss: curves[0]![1]!, extra: NaN };
      }
      await ctx.saveCheckpoint({ step: steps }, { last: new Uint8Array([1, 2, 3]) });
      const finals = curves.map((c) => c.at(-1)!);
      const s = summarize(finals);
      return {
        title: "Toy decay",
        summary: {
          "final loss mean": s.mean,
          "final loss ci95 low": s.ci95Low,
          "final loss ci95 high": s.ci95High,
        },
        tables: [{ title: "Per seed", rows: finals.map((loss, seed) => ({ seed, loss })) }],
        plots: {
          loss: {
            kind: "curves",
            title: "Loss",
            xLabel: "step",
            yLabel: "loss",
            logY: true,
            series: [
              curveSeries("toy", aggregateCurves(curves, { x: curves[0]!.map((_, i) => i + 1) })),
            ],
          },
          finals: {
            kind: "bars",
            title: "Final loss per seed",
            yLabel: "loss",
            bars: finals.map((v, i) => ({ label: `seed ${i}`, value: v })),
          },
          raw:
            '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
        },
        sections: [{ title: "Notes", body: "The loss decays as **exp(-lr t)**." }],
      };
    },
  };
}
