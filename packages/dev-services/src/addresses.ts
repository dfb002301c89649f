export type HostPort = { host: string; port: number };

const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "::1"]);

/** True for the loopback names this tool may start services on. */
export function isLocalHost(host: string): boolean {
  return LOCAL_HOSTS.has(host.replace(/^\[(.*)\]$/, "$1").toLowerCase());
}

/** `host:port` or `[v6]:port`; null when there is no numeric port. */
export function parseHostPort(address: string): HostPort | null {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(address.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65_535) return null;
  return { host, port };
}

/**
 * The broker to run locally: the first of KAFKA_BROKERS, when it is on this machine. Null when
 * the first broker is remote (then Kafka is somebody else's to run).
 */
export function findLocalKafkaBroker(brokers: readonly string[]): HostPort | null {
  const first = brokers[0];
  const address = first === undefined ? null : parseHostPort(first);
  return address && isLocalHost(address.host) ? address : null;
}

/** The IPv4 loopback for `localhost`, so a listener binds one well-defined address. */
export function toListenHost(host: string): string {
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  if (bare.toLowerCase() === "localhost") return "127.0.0.1";
  return bare.includes(":") ? `[${bare}]` : bare;
}
