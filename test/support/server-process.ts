import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../scripts/free-port.js';
import { track } from './processes.js';

export { freePort };

export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));


export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once the server has printed `text` (its own log, so no test guesses a delay). */
  waitFor: (text: string) => Promise<void>;
}

/** What a start may add: see the fields. */
export interface StartOptions {
  /** Called as soon as the process is spawned (before it listens), e.g. to register it for cleanup. */
  onSpawn?: (server: ServerProcess) => void;
  /**
   * Fail the start (and SIGKILL the process) when it has not logged that it listens by then, in
   * ms. Only a backstop against a hang: the default, 180 s, is met by a machine many times
   * slower than an idle one (the start waits for every worker of the pool).
   */
  timeoutMs?: number;
}

const START_TIMEOUT_MS = 180_000;

/**
 * Starts `src/server.ts` as a real process on a free loopback port and resolves once it has
 * logged that it listens (pino's "Server listening" line), so no test sleeps to wait for it. A
 * process that exits or times out before listening fails the start and is killed: no orphan.
 * The process is tracked from its spawn on (`track`): SIGKILLed at the end of the test that
 * started it (passed or failed), at the test process's exit, and by the run's global teardown.
 * A port taken between its choice and the server's listen (another test's server, or the local
 * end of some connection: both draw from the same range) is a new attempt on another port.
 */
export async function startServer(env: Record<string, string> = {}, entry = ['--import', 'tsx', 'src/server.ts'], options: StartOptions = {}): Promise<ServerProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(await freePort(), env, entry, options);
    } catch (error) {
      if (attempt === 5 || !(error instanceof Error && error.message.includes('EADDRINUSE'))) throw error;
    }
  }
}

async function startOnce(port: number, env: Record<string, string>, entry: string[], options: StartOptions): Promise<ServerProcess> {
  const child = spawn(process.execPath, entry, {
    cwd: projectRoot,
    // Sessions in memory unless a test names a store: no test writes the project's ./data.
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', STORE_URL: 'memory:', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child, `server ${entry.join(' ')} on port ${port}`);
  let output = '';
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  const exit = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  const server: ServerProcess = {
    child,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    exit,
    waitFor: (text) =>
      new Promise<void>((resolve) => {
        if (output.includes(text)) resolve();
        else waiters.push({ text, resolve });
      }),
  };
  options.onSpawn?.(server);
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        for (const waiter of waiters.splice(0)) {
          if (output.includes(waiter.text)) waiter.resolve();
          else waiters.push(waiter);
        }
        if (output.includes('Server listening')) resolve();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      void exit.then(({ code, signal }) => reject(new Error(`server exited (${code ?? signal}) before listening:\n${output}`)));
      const timeoutMs = options.timeoutMs ?? START_TIMEOUT_MS;
      timer = setTimeout(() => reject(new Error(`server did not log "Server listening" within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    });
  } catch (error) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exit;
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return server;
}
