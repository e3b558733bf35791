/**
 * Seeded augmentation of one glyph image: affine (rotation, shear, scale, shift), a smooth elastic
 * displacement, and a stroke-width change. The parameters of image (class, instance) are drawn
 * with the project's counter-based RNG as `rngUniform(seed, codePoint, instance, k)`, k = 0, 1, ...,
 * so any one image can be regenerated alone.
 * @module
 */

import { rngUniform } from "../../../core/rng.ts";

/** Number of sine waves per axis of the elastic displacement. */
export const ELASTIC_WAVES = 3;

/** Ranges of the augmentation (documented in the manifest). */
export const AUGMENTATION_RANGES = {
  /** Rotation in degrees, uniform in [-r, r]. */
  rotationDeg: 15,
  /** Horizontal shear, uniform in [-s, s]. */
  shear: 0.3,
  /** Overall scale, uniform in [min, max] (1 = the glyph's box fills 70% of the canvas). */
  scale: [0.75, 1.1],
  /** Aspect change: x and y scales are multiplied by e^(+a) and e^(-a), a uniform in [-r, r]. */
  aspect: 0.2,
  /** Shift as a fraction of the canvas, uniform in [-s, s] on each axis. */
  shift: 0.08,
  /** Stroke width change t in [min, max]: t > 0 blends toward a dilation, t < 0 an erosion. */
  stroke: [-0.6, 1],
  /** Elastic amplitude in canvas pixels (of 112), uniform in [0, a]. */
  elastic: 4,
  /** Elastic wave frequencies, cycles per canvas, uniform in [min, max]. */
  elasticCycles: [0.5, 2],
} as const;

/** The drawn parameters of one augmented image. */
export interface Augmentation {
  /** Rotation in radians. */
  rotation: number;
  /** Horizontal shear factor. */
  shear: number;
  /** Horizontal scale. */
  scaleX: number;
  /** Vertical scale. */
  scaleY: number;
  /** Shift in canvas fractions (x). */
  shiftX: number;
  /** Shift in canvas fractions (y). */
  shiftY: number;
  /** Stroke-width change in [-1, 1]. */
  stroke: number;
  /** Elastic amplitude in canvas pixels. */
  elastic: number;
  /** Per wave and axis: frequency x, frequency y (cycles per canvas) and phase (radians). */
  waves: Float64Array;
}

/** No change: the canonical render. */
export const IDENTITY: Augmentation = {
  rotation: 0,
  shear: 0,
  scaleX: 1,
  scaleY: 1,
  shiftX: 0,
  shiftY: 0,
  stroke: 0,
  elastic: 0,
  waves: new Float64Array(6 * ELASTIC_WAVES),
};

/** Draws the augmentation of image (codePoint, instance) from `seed`. */
export function drawAugmentation(seed: number, codePoint: number, instance: number): Augmentation {
  let k = 0;
  const u = (lo: number, hi: number) => lo + (hi - lo) * rngUniform(seed, codePoint, instance, k++);
  const r = AUGMENTATION_RANGES;
  const rotation = u(-r.rotationDeg, r.rotationDeg) * Math.PI / 180;
  const shear = u(-r.shear, r.shear);
  const scale = u(r.scale[0], r.scale[1]);
  const aspect = Math.exp(u(-r.aspect, r.aspect));
  const shiftX = u(-r.shift, r.shift);
  const shiftY = u(-r.shift, r.shift);
  const stroke = u(r.stroke[0], r.stroke[1]);
  const elastic = u(0, r.elastic);
  const waves = new Float64Array(6 * ELASTIC_WAVES);
  for (let w = 0; w < 2 * ELASTIC_WAVES; w++) {
    const f = u(r.elasticCycles[0], r.elasticCycles[1]);
    const angle = u(0, 2 * Math.PI);
    waves[3 * w] = f * Math.cos(angle);
    waves[3 * w + 1] = f * Math.sin(angle);
    waves[3 * w + 2] = u(0, 2 * Math.PI);
  }
  return {
    rotation,
    shear,
    scaleX: scale * aspect,
    scaleY: scale / aspect,
    shiftX,
    shiftY,
    stroke,
    elastic,
    waves,
  };
}
