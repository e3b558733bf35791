/**
 * What the cluster benches share: a nats-server with JetStream on a free loopback port (file store
 * under a folder), and local cpu worker processes (`cli/main.ts worker`).
 * @module
 */

/** A started nats-server: its URL and process. */
export interface BenchServer {
  /** nats://127.0.0.1:PORT. */
  url: string;
  /** The server process. */
  proc: Deno.ChildProcess;
}

/** Starts nats-server with JetStream and its store in `dir` on a free loopback port. */
export async function startServer(dir: string): Promise<BenchServer> {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const args = ["-js", "-sd", dir, "-a", "127.0.0.1", "-p", String(port)];
  const proc = new Deno.Command("nats-server", { args, stdout: "null", stderr: "null" }).spawn();
  for (let i = 0; i < 100; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return { url: `nats://127.0.0.1:${port}`, proc };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error("nats-server did not start");
}

/** Starts `n` cpu worker processes on `url`; resolves once they had time to start (3 s). */
export async function startWorkers(
  url: string,
  n: number,
  name: string,
): Promise<Deno.ChildProcess[]> {
  const procs = Array.from({ length: n }, (_, i) =>
    new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "cli/main.ts",
        "worker",
        "--cluster",
        url,
        "--backend",
        "cpu",
        "--name",
        `${name}-${i}`,
      ],
      stdout: "null",
      stderr: "null",
    }).spawn());
  await new Promise((r) => setTimeout(r, 3000));
  return procs;
}

/** Stops worker processes (SIGTERM) and waits for them. */
export async function stopWorkers(procs: Deno.ChildProcess[]): Promise<void> {
  for (const p of procs) {
    p.kill("SIGTERM");
    await p.status;
  }
}
