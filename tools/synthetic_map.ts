/**
 * Prints the synthetic classification family's fixed random map as JSON ({w1, b1, w2, b2}, row-major,
 * the draws of learners/tasks/synthetic_classification.ts for family seed 0, latent 8, hidden 32,
 * inputs 16), for tools/synthetic_input_ceiling.py, which measures what ProtoNets' distance rules
 * can reach from the inputs (README, "The meta experiment").
 *
 *   deno run tools/synthetic_map.ts > map.json
 * @module
 */
import { syntheticMap } from "../learners/tasks/synthetic_classification.ts";

const m = syntheticMap(0, 32, 8, 16);
console.log(JSON.stringify({
  w1: Array.from(m.w1),
  b1: Array.from(m.b1),
  w2: Array.from(m.w2),
  b2: Array.from(m.b2),
}));
