import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stillRunning, type PidRecord } from '../support/pid-files.js';
import { track } from '../support/processes.js';
import { projectRoot } from '../support/server-process.js';

/**
 * The harness's promise that no test leaves a process behind, checked end to end: a nested
 * vitest run (the project's configuration, its global setup and teardown, on the fixture files
 * of test/fixtures) whose tests start real servers through the support helper and then fail, one
 * by a failed assertion, one by its test process being SIGKILLed. Outcomes only: which of the
 * servers still runs (pid and start time), and whether one still answers.
 */
describe('a process a test starts is stopped however the test ends', () => {
  it('a failed test’s server is gone before the next test runs; a dead test process’s server is killed by the global teardown', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'fa-cleanup-'));
    try {
      const recordFile = join(folder, 'record.jsonl');
      const nested = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--config', 'test/fixtures/vitest.config.ts'], {
        cwd: projectRoot,
        env: { ...process.env, FIXTURE_RECORD: recordFile, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      track(nested, 'nested vitest run of test/fixtures');
      let output = '';
      nested.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      nested.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const [code] = (await once(nested, 'exit')) as [number | null];

      const lines = (await readFile(recordFile, 'utf8').catch(() => '')).split('\n').filter(Boolean).map((line) => JSON.parse(line));
      const seen = (fixture: string) => lines.find((line) => line.fixture === fixture);
      const [failing, next, dying] = [seen('failing'), seen('next'), seen('dying')];
      expect({ failing, next, dying }, output).toMatchObject({ failing: { pid: expect.any(Number) }, next: {}, dying: { pid: expect.any(Number) } });
      // Both fixture files fail, as they were made to.
      expect(code, output).toBe(1);

      // The failed test's server was stopped when that test finished, before the next test ran.
      expect(next.firstStillRunning, output).toBe(false);
      // The server of the test process that died was killed by the run's global teardown.
      expect(stillRunning(dying as PidRecord), output).toBe(false);
      expect(await fetch(`${dying.url}/healthz`).then(() => 'answered', () => 'refused')).toBe('refused');
      expect(output).toMatch(/global teardown: killed 1 process\(es\) left running by a test: server .* \(pid \d+\)/);
      expect(stillRunning(failing as PidRecord)).toBe(false);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
