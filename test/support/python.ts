import { execFileSync } from 'node:child_process';

/** Whether `command --version` runs. */
function runs(command: string): boolean {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * A python3 for the tests that run the documentation's Python examples (the standard library
 * only): the one on PATH, else Debian's python3-minimal installed on first use (CI and fresh
 * machines run as root), as test/support/chromium.ts installs Chromium. Never a silent skip:
 * without it the test fails with the reason.
 */
export function ensurePython(): string {
  if (runs('python3')) return 'python3';
  if (process.getuid?.() !== 0) throw new Error("python3 is missing; install Debian's python3-minimal package (apt-get install python3-minimal)");
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'python3-minimal'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (!runs('/usr/bin/python3')) throw new Error('python3-minimal was installed but /usr/bin/python3 does not run');
  return '/usr/bin/python3';
}
