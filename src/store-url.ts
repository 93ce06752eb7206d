/**
 * STORE_URL's Redis forms, read once for both the configuration check (an operator's typo is an
 * `invalid environment: STORE_URL: …` line at start, not a stack trace) and the Redis store.
 * No client is loaded here.
 */

/** A Redis Cluster to reach: its seed nodes and credentials. */
export interface ClusterAddress {
  seeds: Array<{ host: string; port: number }>;
  username?: string;
  password?: string;
  tls: boolean;
}

/** `host`, `host:port`, `[v6]` or `[v6]:port`; the port 1..65535, 6379 when absent. */
const SEED = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9_.-]+))(?::([0-9]{1,5}))?$/;

function decoded(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new Error(`the ${what} is not valid percent-encoding (write % as %25)`);
  }
}

/**
 * A Redis Cluster URL, `redis+cluster://[[user]:password@]host:port[,host:port…]` (or
 * `rediss+cluster://` for TLS), as seed nodes and credentials; null for any other URL.
 * User and password are percent-decoded.
 *
 * @throws {Error} saying what is wrong: no seed, an empty or malformed seed, a port outside
 *   1..65535, a path, query or fragment, bad percent-encoding
 */
export function clusterAddress(url: string): ClusterAddress | null {
  const match = /^(rediss?)\+cluster:\/\/(.*)$/s.exec(url);
  if (!match) return null;
  const [, scheme, rest] = match;
  const at = rest.lastIndexOf('@');
  const userinfo = at < 0 ? '' : rest.slice(0, at);
  const hosts = (at < 0 ? rest : rest.slice(at + 1)).replace(/\/$/, '');
  if (/[/?#]/.test(hosts)) throw new Error(`${scheme}+cluster:// takes no path, query or fragment: only host:port seed nodes separated by commas`);
  if (hosts === '') throw new Error(`${scheme}+cluster:// needs at least one host:port seed node`);
  const seeds = hosts.split(',').map((seed, i) => {
    const parts = SEED.exec(seed);
    const port = parts?.[3] === undefined ? 6379 : Number(parts[3]);
    if (!parts || port < 1 || port > 65535) throw new Error(`seed node ${i + 1} ("${seed}") is not host:port (port 1 to 65535, an IPv6 host in brackets)`);
    return { host: parts[1] ?? parts[2], port };
  });
  const colon = userinfo.indexOf(':');
  const username = decoded(colon < 0 ? userinfo : userinfo.slice(0, colon), 'user name');
  const password = colon < 0 ? '' : decoded(userinfo.slice(colon + 1), 'password');
  return { seeds, tls: scheme === 'rediss', ...(username ? { username } : {}), ...(password ? { password } : {}) };
}

/** `host:port`, an IPv6 host in brackets. */
export const seedText = ({ host, port }: { host: string; port: number }): string => `${host.includes(':') ? `[${host}]` : host}:${port}`;

/**
 * What is wrong with a Redis STORE_URL (`redis://`, `rediss://`, or their `+cluster` forms), or
 * null when a client can use it.
 */
export function redisUrlProblem(url: string): string | null {
  try {
    if (clusterAddress(url)) return null;
    const parsed = new URL(url);
    if (parsed.hostname === '') return 'the URL names no host';
    decoded(parsed.password, 'password');
    if (parsed.pathname !== '' && parsed.pathname !== '/' && !/^\/[0-9]+$/.test(parsed.pathname)) return `the path "${parsed.pathname}" is not a database number`;
    return null;
  } catch (error) {
    return error instanceof TypeError ? 'not a valid URL (write special characters of a password percent-encoded)' : (error as Error).message;
  }
}
