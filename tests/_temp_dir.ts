/**
 * Test helper: a fresh temporary folder for the length of a callback, removed afterwards (also
 * when the callback throws).
 */

/** Runs `fn` with a new temporary folder, then removes the folder and everything in it. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir();
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
