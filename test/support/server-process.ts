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

/**
 * Starts `src/server.ts` as a real process on a free loopback port and resolves once it has
 * logged that it listens (pino's "Server listening" line), so no test sleeps to wait for it.
 */
export async function startServer(env: Record<string, string> = {}, entry = ['--import', 'tsx', 'src/server.ts']): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, entry, {
    cwd: projectRoot,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  const exit = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
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
    exit.then(({ code }) => reject(new Error(`server exited with ${code} before listening:\n${output}`)));
  });
  const waitFor = (text: string) =>
    new Promise<void>((resolve) => {
      if (output.includes(text)) resolve();
      else waiters.push({ text, resolve });
    });
  return { child, url: `http://127.0.0.1:${port}`, output: () => output, exit, waitFor };
}
