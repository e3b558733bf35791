import assert from "node:assert/strict";
import { abandonable } from "../../core/abandonable.ts";

Deno.test("abandonable: settles like the raced promise while not abandoned", async () => {
  const race = abandonable(new Promise<never>(() => {}));
  for (let i = 0; i < 100; i++) assert.equal(await race(Promise.resolve(i)), i);
  await assert.rejects(race(Promise.reject(new Error("boom"))), /boom/);
});

Deno.test("abandonable: a pending race, and every later one, rejects once abandoned", async () => {
  let abandon!: (e: Error) => void;
  const abandoned = new Promise<never>((_, reject) => (abandon = reject));
  const race = abandonable(abandoned);
  assert.equal(await race(Promise.resolve("before")), "before");
  const pending = race(new Promise<string>(() => {}));
  abandon(new Error("stopped"));
  await assert.rejects(pending, /stopped/);
  await assert.rejects(race(new Promise<string>(() => {})), /stopped/);
});
