import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { PID_DIR_VARIABLE, processStart, type PidRecord } from './pid-files.js';

/**
 * Every process a test starts is stopped on every path, by three layers (see {@link track}):
 * the end of the test that started it, the exit of the test process, and the run's global
 * teardown (test/support/global-setup.ts) for a test process that died without running its
 * handlers. A test's own stop (SIGTERM and its exit code) comes first; these only SIGKILL what
 * is still running.
 */

const tracked = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of tracked) child.kill('SIGKILL');
});

const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** SIGKILL unless it has exited; resolves once it has. */
export async function killNow(child: ChildProcess): Promise<void> {
  if (!running(child)) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/**
 * Registers a process a test just spawned (call it on the line after `spawn`, before anything
 * can throw) so that it is SIGKILLed if still running:
 * - when the test that started it finishes, passed or failed (vitest's `onTestFinished`); a
 *   process started in a `beforeAll` is its `afterAll`'s to stop, with the layers below behind it;
 * - when the test process exits (a `process.on('exit')` handler);
 * - in the run's global teardown, from its pid file, when the test process died without exiting
 *   normally (SIGKILL, out of memory): no test can leave a server listening after the run.
 * `cleanup` runs after the kill at the test's end (e.g. removing the process's folder).
 */
export function track(child: ChildProcess, what: string, cleanup?: () => Promise<void>): void {
  if (child.pid === undefined) return; // spawn failed: its 'error' event says why, nothing runs
  tracked.add(child);
  const folder = process.env[PID_DIR_VARIABLE];
  const start = processStart(child.pid);
  let pidFile: string | undefined;
  if (folder && start !== null) {
    pidFile = join(folder, String(child.pid));
    writeFileSync(pidFile, JSON.stringify({ pid: child.pid, start, what } satisfies PidRecord));
  }
  child.once('exit', () => {
    tracked.delete(child);
    if (pidFile) rmSync(pidFile, { force: true });
  });
  try {
    onTestFinished(async () => {
      await killNow(child);
      await cleanup?.();
    });
  } catch {
    // Not inside a test (a beforeAll): the suite's afterAll stops it; the other layers remain.
  }
}
