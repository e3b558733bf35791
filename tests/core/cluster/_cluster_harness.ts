/**
 * Test harness of the cluster tests: a nats-server with JetStream on a free loopback port and a
 * file store, started and stopped by the test; worker processes (`cli/main.ts worker`) whose
 * stderr lines the test can wait for; and whether the tests can run (nats-server on PATH: without
 * it they are skipped with a printed reason, or fail when CI=1).
 */
import { withTempDir } from "../../_temp_dir.ts";

/** Whether nats-server is on PATH; prints why the cluster tests are skipped otherwise (CI=1: throws). */
export function natsAvailable(): boolean {
  try {
    new Deno.Command("nats-server", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync();
    return true;
  } catch {
    if (Deno.env.get("CI") === "1") {
      throw new Error("nats-server is not installed but CI=1 needs the cluster tests");
    }
    console.log(
      "skipping cluster tests: nats-server is not installed (apt-get install nats-server)",
    );
    return false;
  }
}

/** Deno.test options of a cluster test: skipped without nats-server; no op or resource sanitizers. */
export function clusterTestOptions(): {
  ignore: boolean;
  sanitizeOps: false;
  sanitizeResources: false;
} {
  return { ignore: !natsAvailable(), sanitizeOps: false, sanitizeResources: false };
}

/** A cluster test (clusterTestOptions) that runs `fn` in a fresh temporary folder. */
export function clusterTest(name: string, fn: (dir: string) => Promise<void>): void {
  Deno.test(name, clusterTestOptions(), () => withTempDir(fn));
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** A nats-server process with JetStream and a file store. */
export class NatsServer {
  /** nats://127.0.0.1:PORT. */
  readonly url: string;
  private proc?: Deno.ChildProcess;

  private constructor(readonly port: number, readonly storeDir: string) {
    this.url = `nats://127.0.0.1:${port}`;
  }

  /** Starts a server on a free port with its store under `storeDir`. */
  static async start(storeDir: string): Promise<NatsServer> {
    const s = new NatsServer(freePort(), storeDir);
    await s.restart();
    return s;
  }

  /** (Re)starts the server process on the same port and store. */
  async restart(): Promise<void> {
    const args = ["-js", "-sd", this.storeDir, "-a", "127.0.0.1", "-p", String(this.port)];
    this.proc = new Deno.Command("nats-server", { args, stdout: "null", stderr: "null" }).spawn();
    for (let i = 0; i < 100; i++) {
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port: this.port })).close();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error(`nats-server did not start on port ${this.port}`);
  }

  /** Stops the server (SIGTERM) and waits for it to exit. */
  async stop(): Promise<void> {
    if (!this.proc) return;
    this.proc.kill("SIGTERM");
    await this.proc.status;
    this.proc = undefined;
  }
}

/** A child process whose stderr lines are collected. */
export class Child {
  /** Stderr lines so far. */
  readonly lines: string[] = [];
  /** The process. */
  readonly proc: Deno.ChildProcess;
  private readonly done: Promise<void>;

  /** Spawns `deno run -A cli/main.ts ...args`. */
  constructor(args: string[]) {
    this.proc = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "cli/main.ts", ...args],
      stdout: "null",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    this.done = this.collect();
  }

  private async collect(): Promise<void> {
    let buf = "";
    for await (const chunk of this.proc.stderr.pipeThrough(new TextDecoderStream())) {
      buf += chunk;
      const parts = buf.split("\n");
      buf = parts.pop()!;
      this.lines.push(...parts);
    }
    if (buf) this.lines.push(buf);
  }

  /** Waits (up to `ms`) until a stderr line matches `re`; returns it. */
  async waitFor(re: RegExp, ms = 60_000): Promise<string> {
    const t0 = Date.now();
    while (Date.now() - t0 < ms) {
      const hit = this.lines.find((l) => re.test(l));
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`timed out waiting for ${re}; stderr:\n${this.lines.join("\n")}`);
  }

  /** Sends `signal` and waits for the exit; returns the exit code. */
  async stop(signal: Deno.Signal = "SIGTERM"): Promise<number> {
    try {
      this.proc.kill(signal);
    } catch { /* already exited */ }
    const { code } = await this.proc.status;
    await this.done;
    return code;
  }

  /** Waits for the exit; returns the exit code. */
  async exit(): Promise<number> {
    const { code } = await this.proc.status;
    await this.done;
    return code;
  }
}

/** Starts `n` cpu workers on `url` (ack wait and max deliver as given). */
export async function startWorkers(
  url: string,
  n: number,
  o: { ackWait?: number; maxDeliver?: number } = {},
): Promise<Child[]> {
  const extra = ["--ack-wait", String(o.ackWait ?? 2), "--max-deliver", String(o.maxDeliver ?? 3)];
  const ws = Array.from(
    { length: n },
    (_, i) =>
      new Child(["worker", "--cluster", url, "--backend", "cpu", "--name", `w${i}`, ...extra]),
  );
  for (const w of ws) await w.waitFor(/ready/);
  return ws;
}
