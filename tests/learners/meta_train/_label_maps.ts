/** Random valid dense label maps for the meta-loop kernel tests. */
import type { Rng } from "../../../core/rng.ts";
import { LABEL_UNUSED } from "../../../learners/tasks/task_family.ts";

/**
 * Dense label maps (episodes, classes): each episode gives `ways` distinct random classes the labels
 * 0..ways-1 in random order (not the identity), LABEL_UNUSED elsewhere; with `holes`, episode 1
 * leaves its label 1 unused (a class list with a gap).
 */
export function randomLabelMaps(
  rng: Rng,
  episodes: number,
  classes: number,
  o: { ways: number; holes?: boolean },
): Uint32Array<ArrayBuffer> {
  const map = new Uint32Array(episodes * classes).fill(LABEL_UNUSED);
  for (let e = 0; e < episodes; e++) {
    const picked = new Set<number>();
    while (picked.size < o.ways) picked.add(rng.int(classes));
    const order = rng.permutation(o.ways);
    [...picked].forEach((c, i) => {
      if (!(o.holes && e === 1 && order[i] === 1)) map[e * classes + c] = order[i]!;
    });
  }
  return map;
}
