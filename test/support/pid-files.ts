import { readFileSync } from 'node:fs';

/**
 * The run's pid files: the global setup (test/support/global-setup.ts) makes a folder, each
 * process a test spawns gets a file there while it runs (test/support/processes.ts), and the
 * teardown kills what is still recorded. Without vitest, so the global setup can use it.
 */

/** The variable the global setup sets to the run's folder of pid files (one file per live process). */
export const PID_DIR_VARIABLE = 'FA_TEST_PID_DIR';

/** A pid file's content: the pid with its start time, so that a reused pid is never killed. */
export interface PidRecord {
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot): the process's identity with its pid. */
  start: string;
  what: string;
}

/** The start time of a live process (field 22 of /proc/<pid>/stat), or null when it is gone. */
export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? null : fields[19];
  } catch {
    return null;
  }
}

/** True while the process recorded in `record` runs (not merely a process with its pid). */
export const stillRunning = (record: PidRecord): boolean => processStart(record.pid) === record.start;
