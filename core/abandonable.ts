/**
 * Racing many promises, one after another, against one promise that may never settle (a run's
 * `abandoned`), in bounded memory. `Promise.race([p, abandoned])` adds a reaction to `abandoned` at
 * every call that lives as long as `abandoned` does, and with it the race's settled result: a run
 * that raced every metric row held every row (about 2 KB per lr-sweep evaluation, issue 17).
 * @module
 */

/**
 * A function that races a promise against `abandoned`: it settles like `p`, or rejects with
 * `abandoned`'s error once that rejects (at once when it already has). It subscribes to
 * `abandoned` once and holds only the latest race, so memory stays bounded over any number of calls.
 */
export function abandonable(abandoned: Promise<never>): <T>(p: Promise<T>) => Promise<T> {
  let failure: { error: unknown } | undefined;
  let rejectLatest: ((error: unknown) => void) | undefined;
  abandoned.catch((error: unknown) => {
    failure = { error };
    rejectLatest?.(error);
    rejectLatest = undefined;
  });
  return <T>(p: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      p.then(resolve, reject);
      if (failure !== undefined) reject(failure.error);
      else rejectLatest = reject;
    });
}
