/**
 * The data sources of the `meta` experiment's config (config.ts): the cross-domain test set, the
 * glyphs data set and ProtoNets' wider synthetic meta-training episodes, each an interface and its
 * schema.
 * @module
 */
import { z } from "zod";

/** Where the cross-domain test images come from (any image data set the engine reads). */
export interface CrossDomainSpec {
  /** "fashion-mnist" (Debian's package, test split), "idx" (images + labels) or "image-folder". */
  family: "fashion-mnist" | "idx" | "image-folder";
  /** IDX images file (family "idx"). */
  images?: string;
  /** IDX labels file (family "idx"). */
  labels?: string;
  /** Image folder root (family "image-folder"): root/<alphabet>/<character>/*.png. */
  root?: string;
  /** Average-pooling factor (28x28 / 2 = 14x14 = 196 inputs, as the glyphs). */
  downsample: number;
}

/** The glyphs data set of the glyph settings and their meta-training episodes. */
export interface GlyphsSpec {
  /** Its folder (null: the default cache folder). */
  dir: string | null;
  /** Its subset (null: the full set). */
  subset: string | null;
  /**
   * Side of the square inputs the 28x28 renders are resampled to by area averaging (14 and 7 are
   * average pooling by 2 and 4), at most `GLYPH_MAX_SIZE`; 14 gives 196 inputs.
   */
  size: number;
  /**
   * Classes of the meta-training episodes (null: the setting's ways; more: ProtoNets train on the
   * wider episodes, the gradient-based methods on the first `ways` classes of each, as without it).
   */
  trainWays: number | null;
  /**
   * Query samples per class of the meta-training episodes (null: as many as shots; more: ProtoNets
   * use them all, the gradient-based methods the first `shots` of each class, as without it).
   */
  trainQueries: number | null;
}

/**
 * ProtoNets' meta-training episodes of the synthetic settings (the family is generated, so wider
 * episodes are more draws of it; every other method keeps the setting's own episodes).
 */
export interface SyntheticSpec {
  /** Classes of ProtoNets' meta-training episodes (null: the setting's ways, 5). */
  trainWays: number | null;
  /** Query points per class of ProtoNets' meta-training episodes (null: as many as shots). */
  trainQueries: number | null;
  /**
   * Support points per class of ProtoNets' meta-training episodes (null: the setting's shots; more:
   * each training prototype is the mean of that many, the test episodes keep the setting's shots).
   */
  trainShots: number | null;
  /**
   * Episodes in ProtoNets' pool of these wider episodes (null: `trainPool`); each holds all its
   * points, so a pool of 65,536 20-way episodes of 16 points per class would hold 21M samples.
   */
  trainPool: number | null;
}

/** Schema of `CrossDomainSpec`. */
export const CROSS_DOMAIN_SCHEMA: z.ZodType<CrossDomainSpec, z.ZodTypeDef, unknown> = z.object({
  family: z.enum(["fashion-mnist", "idx", "image-folder"]),
  images: z.string().min(1).optional(),
  labels: z.string().min(1).optional(),
  root: z.string().min(1).optional(),
  downsample: z.number().int().min(1).max(8).default(2),
});

/** Largest side of the glyph inputs: 16x16 = 256, the widest layer the engine's MLPs take. */
export const GLYPH_MAX_SIZE = 16;

/** Schema of `GlyphsSpec` (defaults filled by parsing). */
export const GLYPHS_SCHEMA: z.ZodType<GlyphsSpec, z.ZodTypeDef, unknown> = z.object({
  dir: z.string().min(1).nullable().default(null),
  subset: z.string().min(1).nullable().default(null),
  size: z.number().int().min(4).max(GLYPH_MAX_SIZE).default(14),
  trainWays: z.number().int().min(1).max(64).nullable().default(null),
  trainQueries: z.number().int().min(1).max(15).nullable().default(null),
});

/** Schema of `SyntheticSpec` (defaults filled by parsing). */
export const SYNTHETIC_SCHEMA: z.ZodType<SyntheticSpec, z.ZodTypeDef, unknown> = z.object({
  trainWays: z.number().int().min(1).max(64).nullable().default(null),
  trainQueries: z.number().int().min(1).max(64).nullable().default(null),
  trainShots: z.number().int().min(1).max(64).nullable().default(null),
  trainPool: z.number().int().min(1).max(100_000).nullable().default(null),
});
