import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../scripts/free-port.js';

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
  /** Fail the start (and SIGKILL the process) when it has not logged that it listens by then. */
  timeoutMs?: number;
}

/**
 * Starts `src/server.ts` as a real process on a free loopback port and resolves once it has
 * logged that it listens (pino's "Server listening" line), so no test sleeps to wait for it. A
 * process that exits or times out before listening fails the start and is killed: no orphan.
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
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => reject(new Error(`server did not log "Server listening" within ${options.timeoutMs} ms:\n${output}`)), options.timeoutMs);
      }
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
