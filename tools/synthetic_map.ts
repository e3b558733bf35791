/**
 * Prints the synthetic classification family's fixed random map as JSON ({w1, b1, w2, b2}, row-major,
 * the draws of learners/tasks/synthetic_classification.ts for family seed 0, latent 8, hidden 32,
 * inputs 16), for tools/synthetic_input_ceiling.py, which measures what ProtoNets' distance rules
 * can reach from the inputs (README, "The meta experiment").
 *
 *   deno run tools/synthetic_map.ts > map.json
 * @module
 */
import { deriveSeed, rngNormal } from "../core/rng.ts";

const seed = deriveSeed(0, "synthetic-map");
const draw = (stream: number, n: number, std: number): number[] =>
  Array.from({ length: n }, (_, i) => std * rngNormal(seed, stream, i, 0));
const [hidden, latent, inputs] = [32, 8, 16];
console.log(JSON.stringify({
  w1: draw(0, hidden * latent, 1 / Math.sqrt(latent)),
  b1: draw(1, hidden, 0.1),
  w2: draw(2, inputs * hidden, 1 / Math.sqrt(hidden)),
  b2: draw(3, inputs, 0.1),
}));
