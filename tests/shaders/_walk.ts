/** Lists the repository's files below some top-level folders, as paths relative to the root. */
export async function walk(root: URL, folders: string[]): Promise<string[]> {
  const out: string[] = [];
  const visit = async (rel: string): Promise<void> => {
    for await (const e of Deno.readDir(new URL(rel, root))) {
      const path = `${rel}${e.name}`;
      if (e.isDirectory) await visit(`${path}/`);
      else if (e.isFile) out.push(path);
    }
  };
  for (const f of folders) await visit(`${f}/`);
  return out;
}
