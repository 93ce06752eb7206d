import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PID_DIR_VARIABLE, stillRunning, type PidRecord } from './pid-files.js';

/**
 * Vitest's global setup: a folder of pid files for this run (handed to the test processes, and
 * through them to nothing else, in `FA_TEST_PID_DIR`), and a teardown that SIGKILLs every
 * process still recorded there, i.e. one whose test process died before it could stop it.
 * Survivors are named on stderr: each is a test (or helper) that did not stop its process.
 */
export default function setup(): () => void {
  const folder = mkdtempSync(join(tmpdir(), 'fa-test-pids-'));
  process.env[PID_DIR_VARIABLE] = folder;
  return () => {
    const survivors: PidRecord[] = [];
    for (const name of readdirSync(folder)) {
      let record: PidRecord;
      try {
        record = JSON.parse(readFileSync(join(folder, name), 'utf8')) as PidRecord;
      } catch {
        continue; // removed meanwhile: that process exited
      }
      if (!stillRunning(record)) continue;
      survivors.push(record);
      try {
        process.kill(record.pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
    }
    rmSync(folder, { recursive: true, force: true });
    if (survivors.length > 0) {
      console.error(`global teardown: killed ${survivors.length} process(es) left running by a test: ${survivors.map((s) => `${s.what} (pid ${s.pid})`).join(', ')}`);
    }
  };
}
