import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from '../../scripts/free-port.js';
import { track } from './processes.js';
import { until } from './until.js';

export const REDIS_SERVER = '/usr/bin/redis-server';

/**
 * Debian's redis-server for the Redis store tests, installed on first use when missing (CI and
 * fresh machines run as root). Never a silent skip: without it the test fails with the reason.
 */
export function ensureRedisServer(): string {
  if (existsSync(REDIS_SERVER)) return REDIS_SERVER;
  if (process.getuid?.() !== 0) throw new Error(`${REDIS_SERVER} is missing; install Debian's redis-server package (apt-get install redis-server)`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'redis-server'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (!existsSync(REDIS_SERVER)) throw new Error(`apt-get installed redis-server but ${REDIS_SERVER} is still missing`);
  return REDIS_SERVER;
}

export interface RedisServer {
  /** `redis://127.0.0.1:<port>`, with the password when there is one. */
  url: string;
  port: number;
  /** The server's working folder (its dump / append-only files). */
  dir: string;
  /** What the server printed so far. */
  output(): string;
  /** SIGTERM, waits for the exit, removes the folder. */
  stop(): Promise<void>;
  /** SIGKILL (a crash), leaving the folder for a restart on the same data. */
  kill(): Promise<void>;
  /** Sends a signal (SIGSTOP: a server that keeps its connections but answers nothing; SIGCONT). */
  signal(signal: NodeJS.Signals): void;
}

export interface RedisOptions {
  /** appendonly yes with appendfsync always: every acknowledged write survives a kill. */
  appendOnly?: boolean;
  /** With appendOnly: `everysec` fsyncs once a second instead (a kill may lose the last second). */
  appendFsync?: 'always' | 'everysec';
  /** Reuse this folder (a restart after `kill`) instead of a new temporary one. */
  dir?: string;
  /** Reuse this port (a restart after `kill`). */
  port?: number;
  /** requirepass: the URL then carries it (`redis://:<password>@…`). */
  password?: string;
  /** More redis-server arguments (`--cluster-enabled yes` …), made anew for each attempt at a port. */
  args?: () => Promise<string[]>;
}

/** One PING over a raw socket: true when the server answers (+PONG, or -NOAUTH with a password). */
function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => {
      reply += data.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
    });
  });
}

/** How long a redis-server may take to answer PING, in ms: a backstop against a hang, met by a loaded machine. */
const START_TIMEOUT_MS = 120_000;

async function launch(dir: string, port: number, appendOnly: 'always' | 'everysec' | false, password: string | undefined, extra: string[], cleanup?: () => Promise<void>): Promise<{ child: ChildProcess; output: () => string; exited: Promise<unknown> } | null> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--daemonize', 'no', '--protected-mode', 'yes', '--loglevel', 'warning', ...extra];
  if (password !== undefined) args.push('--requirepass', password);
  args.push(...(appendOnly ? ['--appendonly', 'yes', '--appendfsync', appendOnly] : ['--appendonly', 'no']));
  const child = spawn(ensureRedisServer(), args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child, `redis-server on port ${port}`, cleanup);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let gone = false;
  const exited = once(child, 'exit').then(() => (gone = true));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (gone) return null; // most likely the port was taken meanwhile: the caller picks another
    if (await pings(port)) return { child, output: () => output, exited };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill('SIGKILL');
  await exited;
  throw new Error(`redis-server did not answer PING on port ${port} within ${START_TIMEOUT_MS} ms:\n${output}`);
}

/**
 * Starts a real redis-server on a free loopback port in a temporary folder (no RDB snapshots;
 * append-only file when asked) and resolves once it answers PING: no test guesses a delay.
 * The process is tracked from its spawn on (`track`): SIGKILLed at the end of the test that
 * started it (its new folder removed), at the test process's exit, and by the global teardown.
 */
export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'fa-redis-')));
  const removeDir = options.dir === undefined ? () => rm(dir, { recursive: true, force: true }) : undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = options.port ?? (await freePort());
    const started = await launch(dir, port, options.appendOnly ? (options.appendFsync ?? 'always') : false, options.password, (await options.args?.()) ?? [], removeDir);
    if (!started) {
      if (options.port !== undefined || attempt === 4) throw new Error(`redis-server exited before answering PING on port ${port}`);
      continue;
    }
    const { child, output, exited } = started;
    return {
      url: options.password === undefined ? `redis://127.0.0.1:${port}` : `redis://:${encodeURIComponent(options.password)}@127.0.0.1:${port}`,
      port,
      dir,
      output,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
        await rm(dir, { recursive: true, force: true });
      },
      async kill() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      },
      signal(signal) {
        child.kill(signal);
      },
    };
  }
  throw new Error('unreachable');
}

export interface RedisCluster {
  /** `redis+cluster://[:password@]127.0.0.1:<port>,…`: every master as a seed. */
  url: string;
  /** The masters, each a redis-server of its own. */
  nodes: RedisServer[];
  stop(): Promise<void>;
}

/**
 * A real Redis Cluster of `masters` redis-servers (no replicas), each on a free loopback port in
 * its own folder, joined by `redis-cli --cluster create` (Debian's redis-tools, which
 * redis-server depends on) over all 16384 slots; resolves once every node reports
 * `cluster_state:ok`.
 */
export async function startRedisCluster(options: { masters?: number; password?: string; nodeTimeoutMs?: number } = {}): Promise<RedisCluster> {
  const { masters = 3, password, nodeTimeoutMs = 5000 } = options;
  // The cluster bus gets a free port of its own: by default it is the node's port + 10000, which
  // may be a port another test was just handed.
  const args = async () => [
    '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(nodeTimeoutMs), '--cluster-port', String(await freePort()),
    ...(password === undefined ? [] : ['--masterauth', password]),
  ];
  const nodes: RedisServer[] = [];
  try {
    for (let i = 0; i < masters; i++) nodes.push(await startRedis({ password, args }));
    const auth = password === undefined ? [] : ['-a', password, '--no-auth-warning'];
    const cli = join(dirname(ensureRedisServer()), 'redis-cli');
    await run(cli, [...auth, '--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes']);
    for (const node of nodes) {
      const ok = async () => (await run(cli, [...auth, '-p', String(node.port), 'cluster', 'info'])).includes('cluster_state:ok');
      await until(ok, 120_000, `cluster_state:ok on node ${node.port}`);
    }
  } catch (error) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw error;
  }
  const credentials = password === undefined ? '' : `:${encodeURIComponent(password)}@`;
  return {
    url: `redis+cluster://${credentials}${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`,
    nodes,
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 120_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${command} ${args.join(' ')}: ${error.message}\n${stdout}${stderr}`)) : resolve(stdout)));
  });
}
