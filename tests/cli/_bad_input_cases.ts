/**
 * How the bad-input cases of bad_inputs_test.ts are built: the case type, lr-sweep/IDX/image-folder/
 * strategies/learned-optimizer case builders and the file writer they share.
 */
import { join } from "node:path";
import { folderConfig, idxConfig, idxPair, writeImageFolder } from "../_input_fixtures.ts";
import { SMOKE_CPU } from "../helpers.ts";

/** The command of a case and a pattern its error line must match (the file or field it names). */
export type Command = { args: string[]; names: RegExp };

/** One bad input: builds its files in `dir` and returns the command and what the line must name. */
export interface BadInput {
  name: string;
  setup(dir: string): Promise<Command> | Command;
}

export const SMOKE = [...SMOKE_CPU, "--quiet"];

export const write = (path: string, data: string | Uint8Array | object): Promise<void> =>
  typeof data === "string"
    ? Deno.writeTextFile(path, data)
    : data instanceof Uint8Array
    ? Deno.writeFile(path, data)
    : Deno.writeTextFile(path, JSON.stringify(data));

/** The arguments of `train experiment` with `config` written to dir/config.json. */
export async function trainWith(
  dir: string,
  experiment: string,
  config: object,
  extra: string[] = [],
): Promise<string[]> {
  await write(join(dir, "config.json"), config);
  const out = ["--out", join(dir, "runs"), "--config", join(dir, "config.json")];
  return ["train", experiment, ...SMOKE, ...out, ...extra];
}

/** lr-sweep with `config` written to dir/config.json. */
export function sweep(dir: string, config: object, extra: string[] = []): Promise<string[]> {
  return trainWith(dir, "lr-sweep", config, extra);
}

/** An IDX case: the valid pair with `images` / `labels` bytes replaced. */
export function idxCase(
  name: string,
  files: { images?: Uint8Array | "missing" | "folder"; labels?: Uint8Array | "missing" },
  names: RegExp,
  task: Record<string, unknown> = {},
): BadInput {
  return {
    name,
    async setup(dir) {
      const good = idxPair();
      const put = async (
        file: string,
        v: Uint8Array | "missing" | "folder" | undefined,
        d: Uint8Array,
      ) => {
        if (v === "missing") return;
        if (v === "folder") return void await Deno.mkdir(file);
        await write(file, v ?? d);
      };
      const images = join(dir, "images.idx");
      const labels = join(dir, "labels.idx");
      await put(images, files.images, good.images);
      await put(labels, files.labels, good.labels);
      return { args: await sweep(dir, idxConfig(images, labels, task)), names };
    },
  };
}

/** An image-folder case: the valid folder, then `mutate` breaks it. */
export function folderCase(
  name: string,
  mutate: (root: string) => Promise<void>,
  names: RegExp,
): BadInput {
  return {
    name,
    async setup(dir) {
      const root = await writeImageFolder(join(dir, "images"));
      await mutate(root);
      return { args: await sweep(dir, folderConfig(root)), names };
    },
  };
}

/** An evolve --strategies case with the file's JSON (or text) given. */
export function strategiesCase(name: string, content: string | object, names: RegExp): BadInput {
  return {
    name,
    async setup(dir) {
      const file = join(dir, "strategies.json");
      await write(file, content);
      return {
        args: ["evolve", ...SMOKE, "--out", join(dir, "runs"), "--strategies", file],
        names,
      };
    },
  };
}

/** An l2o case: `field` of the config names a learned-optimizer file with `content`. */
export function learnedCase(
  name: string,
  content: string | object | "missing",
  names: RegExp,
  field = "learnedOptimizer",
): BadInput {
  return {
    name,
    async setup(dir) {
      const file = join(dir, "opt.json");
      if (content !== "missing") await write(file, content);
      await write(join(dir, "config.json"), { [field]: file });
      return {
        args: [
          "train",
          "l2o",
          ...SMOKE,
          "--out",
          join(dir, "runs"),
          "--config",
          join(dir, "config.json"),
        ],
        names,
      };
    },
  };
}
