import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP forwarder in front of a real server (Redis, PostgreSQL), so a test can take that server
 * away from the processes under test, and only from them, as an outage or a restart would: the
 * server itself keeps running for every other test.
 */
export type TcpProxy = {
  /** The port the processes under test connect to, on 127.0.0.1. */
  port: number;
  /** Whether the proxy forwards now. */
  readonly open: boolean;
  /** Closes every forwarded connection and refuses new ones (ECONNREFUSED), as a stopped server. */
  cut(): Promise<void>;
  /** Accepts and forwards again, on the same port. */
  restore(): Promise<void>;
  /** Stops for good (as cut). */
  close(): Promise<void>;
};

/**
 * A proxy in front of the server a connection URL names (`defaultPort` when the URL has none), and
 * the same URL pointed at the proxy, for the processes under test to connect through.
 */
export async function startTcpProxyFor(
  serverUrl: string,
  defaultPort: number,
): Promise<{ proxy: TcpProxy; url: string }> {
  const url = new URL(serverUrl);
  const proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || defaultPort) });
  url.hostname = "127.0.0.1";
  url.port = String(proxy.port);
  return { proxy, url: url.href };
}

/** Starts forwarding 127.0.0.1:<a free port> to `target`. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      // A reset on either side ends both: the other side's error is reported by its owner.
      socket.on("error", () => undefined);
    }
    client.pipe(upstream).on("close", () => client.destroy());
    upstream.pipe(client).on("close", () => upstream.destroy());
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await listen(server, 0);
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  let open = true;

  async function cut(): Promise<void> {
    if (!open) return;
    open = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
  }

  return {
    port,
    get open() {
      return open;
    },
    cut,
    async restore() {
      if (open) return;
      await listen(server, port);
      open = true;
    },
    close: cut,
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
}
