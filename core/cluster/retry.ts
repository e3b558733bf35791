/**
 * Retrying a cluster call while the server is unreachable (a restart, a network blip): the NATS
 * client reconnects by itself, and requests made meanwhile time out.
 * @module
 */

/** Calls `f` until it resolves, waiting 250 ms between tries, at most `tries` times (~2 min). */
export async function retry<T>(f: () => Promise<T>, tries = 480): Promise<T> {
  for (let i = 1;; i++) {
    try {
      return await f();
    } catch (e) {
      if (i >= tries) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
