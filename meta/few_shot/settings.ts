/**
 * The settings of the `meta` experiment (meta/few_shot/experiment.ts): for each few-shot setting,
 * its meta-train, meta-validation and meta-test task families, the network, the batch size, the
 * starting inner learning rate and init scale, and (glyphs) the cross-domain test family and the
 * classes the pretrained baseline trains on.
 * @module
 */
import { InputError } from "../../core/input_error.ts";
import type { ImageDataset } from "../../learners/data/image_dataset.ts";
import { ExtendedEpisodes } from "../../learners/tasks/extended_episodes.ts";
import { RealEpisodes } from "../../learners/tasks/real_episodes.ts";
import { Sinusoid } from "../../learners/tasks/sinusoid.ts";
import { SyntheticClassification } from "../../learners/tasks/synthetic_classification.ts";
import type { TaskFamily } from "../../learners/tasks/task_family.ts";
import { type ClassData, crossDomainData, glyphsData } from "./setting_data.ts";

import { type GlyphsSpec, type MetaConfig, type MetaSettingName, settingConfig } from "./config.ts";

/** One few-shot setting: its task families, network and starting knobs. */
export interface Setting {
  /** Setting name. */
  name: MetaSettingName;
  /** Meta-training tasks. */
  train: TaskFamily;
  /**
   * ProtoNets' meta-training tasks where they differ from `train` (glyphs.trainWays /
   * trainQueries: wider episodes, each holding the `train` episode of the same id first;
   * synthetic.trainWays / trainQueries / trainShots: wider draws of the synthetic family), or null.
   */
  protonetTrain: TaskFamily | null;
  /** Meta-validation tasks (tuning, learning curves, step-count choice). */
  val: TaskFamily;
  /** Meta-test tasks (never seen in meta-training or tuning). */
  test: TaskFamily;
  /** Cross-domain test tasks with the same ways and shots, or null. */
  crossDomain: { name: string; family: TaskFamily } | null;
  /** Layer widths. */
  widths: number[];
  /** Inner batch: the support set (exact full-batch steps; meta-training queries as many). */
  batchSize: number;
  /** Regression (MSE) rather than classification. */
  regression: boolean;
  /** Classes per episode and support points per class. */
  ways: number;
  /** Support points per class (sinusoid: points per task). */
  shots: number;
  /** Starting inner learning rate of the meta-learners. */
  innerLr: number;
  /** Starting init scale of the meta-learners. */
  initScale: number;
  /** Multiplies the baseline's lr grid (sinusoid 0.1). */
  baselineLrScale: number;
  /** Data of the meta-train classes for the pretrained baseline, or null where classes are not shared. */
  pretrain: ClassData | null;
  /** Synthetic family (for its Bayes ceiling), or null. */
  synthetic: SyntheticClassification | null;
}

function sinusoid(c: MetaConfig): Setting {
  const f = new Sinusoid({ shots: 10, querySize: 10 });
  return {
    name: "sinusoid",
    train: f,
    protonetTrain: null,
    val: f,
    test: f,
    crossDomain: null,
    widths: [1, 40, 40, 1],
    batchSize: 10,
    regression: true,
    ways: 1,
    shots: 10,
    innerLr: c.sinusoidInnerLr,
    initScale: c.sinusoidInitScale,
    baselineLrScale: 0.1,
    pretrain: null,
    synthetic: null,
  };
}

function synthetic(name: MetaSettingName, c: MetaConfig, shots: number): Setting {
  const opts = { ways: 5, shots, difficulty: c.difficulty, familySeed: 0 };
  const test = new SyntheticClassification({ ...opts, queryPerClass: 15 });
  // ProtoNets' wider episodes: the same family with more classes, query and support points; with
  // the same seed an episode's first 5 prototypes are those of the 5-way episode.
  const wide = Math.max(5, c.synthetic.trainWays ?? 5);
  const queries = Math.max(shots, c.synthetic.trainQueries ?? shots);
  const supports = Math.max(shots, c.synthetic.trainShots ?? shots);
  return {
    name,
    train: new SyntheticClassification({ ...opts, queryPerClass: shots }),
    protonetTrain: wide === 5 && queries === shots && supports === shots
      ? null
      : new SyntheticClassification({
        ...opts,
        ways: wide,
        shots: supports,
        queryPerClass: queries,
      }),
    val: test,
    test,
    crossDomain: null,
    widths: [16, ...settingConfig(c, name).hidden, 5],
    batchSize: 5 * shots,
    regression: false,
    ways: 5,
    shots,
    innerLr: c.innerLr,
    initScale: c.initScale,
    baselineLrScale: 1,
    pretrain: null,
    synthetic: test,
  };
}

function episodes(
  data: ImageDataset,
  classes: Uint32Array,
  ways: number,
  shots: number,
  q: number,
) {
  return new RealEpisodes(data, classes, { ways, shots, queryPerClass: q });
}

/**
 * ProtoNets' meta-training episodes of a glyph setting with `glyphs.trainWays` / `trainQueries`:
 * wider episodes whose first ways x shots support and query samples are the setting's meta-training
 * episode of the same id; null when they are no wider than the setting's own (neither field set,
 * or both at most its ways and shots, as trainWays 20 for glyphs 20-way 1-shot): those would be
 * the same episodes, a second pool of them only memory.
 */
function protonetEpisodes(
  data: ImageDataset,
  classes: Uint32Array,
  ways: number,
  shots: number,
  g: GlyphsSpec,
): TaskFamily | null {
  if ((g.trainWays ?? 0) > classes.length) {
    throw new InputError(
      `Invalid glyphs.trainWays: must be <= ${classes.length}, the meta-train classes: current value is ${g.trainWays}`,
      { field: "glyphs.trainWays" },
    );
  }
  const wide = Math.max(ways, g.trainWays ?? ways);
  const queries = Math.max(shots, g.trainQueries ?? shots);
  if (wide === ways && queries === shots) return null;
  return new ExtendedEpisodes(data, classes, {
    ways: wide,
    shots,
    queries,
    coreWays: ways,
    coreQueries: shots,
  });
}

async function glyphs(
  name: MetaSettingName,
  c: MetaConfig,
  ways: number,
  shots: number,
  log: (line: string) => void,
): Promise<Setting> {
  const g = await glyphsData(c.glyphs, log);
  let cross = c.crossDomain ? await crossDomainData(c.crossDomain, g.data.inputs) : null;
  if (cross && cross.classes.length < ways) {
    log(
      `${name}: no cross-domain test, ${cross.name} has ${cross.classes.length} classes (< ${ways})`,
    );
    cross = null;
  }
  return {
    name,
    train: episodes(g.data, g.split.train, ways, shots, shots),
    protonetTrain: protonetEpisodes(g.data, g.split.train, ways, shots, c.glyphs),
    val: episodes(g.data, g.split.validation, ways, shots, 15),
    test: episodes(g.data, g.split.test, ways, shots, 15),
    crossDomain: cross
      ? { name: cross.name, family: episodes(cross.data, cross.classes, ways, shots, 15) }
      : null,
    widths: [g.data.inputs, ...settingConfig(c, name).hidden, ways],
    batchSize: ways * shots,
    regression: false,
    ways,
    shots,
    innerLr: c.innerLr,
    initScale: c.initScale,
    baselineLrScale: 1,
    pretrain: { data: g.data, classes: g.split.train, name: "glyphs meta-train classes" },
    synthetic: null,
  };
}

/** Builds setting `name` (the glyphs are built first when absent, with progress to `log`). */
export function buildSetting(
  name: MetaSettingName,
  c: MetaConfig,
  log: (line: string) => void = () => {},
): Promise<Setting> {
  switch (name) {
    case "sinusoid":
      return Promise.resolve(sinusoid(c));
    case "synthetic-1shot":
      return Promise.resolve(synthetic(name, c, 1));
    case "synthetic-5shot":
      return Promise.resolve(synthetic(name, c, 5));
    case "glyphs-5way-1shot":
      return glyphs(name, c, 5, 1, log);
    case "glyphs-5way-5shot":
      return glyphs(name, c, 5, 5, log);
    case "glyphs-20way-1shot":
      return glyphs(name, c, 20, 1, log);
  }
}
