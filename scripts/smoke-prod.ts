/**
 * `npm run smoke:prod`: the Dockerfile's runtime stage, reproduced without a container engine.
 * Copies into a temporary folder exactly what that stage copies (read from the Dockerfile),
 * installs with `npm ci --omit=dev`, starts `node dist/server.js`, checks /healthz and the seed
 * AUROC (0.5), sends SIGTERM and expects exit 0. Catches a runtime import of a dev dependency.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';

const root = fileURLToPath(new URL('../', import.meta.url));

/** The sources of the COPY lines of the Dockerfile's last stage (build-stage paths mapped back). */
export function runtimeCopies(dockerfile: string): string[] {
  const stages = dockerfile.split(/^FROM /m);
  const runtime = stages[stages.length - 1];
  return runtime
    .split('\n')
    .filter((line) => line.startsWith('COPY '))
    .flatMap((line) => {
      const parts = line.split(/\s+/).slice(1);
      const fromBuild = parts[0].startsWith('--from=');
      const args = parts.filter((p) => !p.startsWith('--'));
      return args.slice(0, -1).map((source) => (fromBuild ? source.replace(/^\/app\//, '') : source));
    });
}


/**
 * The smoke run (see the file's comment): resolves with the seed AUROC and the exit code after
 * SIGTERM. The server is SIGKILLed on any failure, so no path leaves it listening; `onSpawn`
 * sees it as soon as it is spawned (the tests register it for cleanup). Waits up to 180 s for
 * /healthz: only a backstop against a hang, met by a loaded machine.
 */
export async function smokeProd(log: (line: string) => void = (line) => process.stdout.write(`${line}\n`), onSpawn?: (child: ChildProcess) => void): Promise<{ auroc: number; exitCode: number | null }> {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  const dir = mkdtempSync(join(tmpdir(), 'smoke-prod-'));
  let child: ChildProcess | undefined;
  try {
    const copies = runtimeCopies(readFileSync(join(root, 'Dockerfile'), 'utf8'));
    for (const source of copies) cpSync(join(root, source), join(dir, source), { recursive: true });
    log(`copied ${copies.join(', ')} to ${dir}`);
    execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit' });

    const port = await freePort();
    child = spawn(process.execPath, ['dist/server.js'], {
      cwd: dir,
      env: { ...process.env, NODE_ENV: 'production', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const exited = once(child, 'exit');
    onSpawn?.(child);
    const base = `http://127.0.0.1:${port}`;
    let healthy = false;
    for (const deadline = Date.now() + 180_000; !healthy && Date.now() < deadline && child.exitCode === null; ) {
      healthy = await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
      if (!healthy) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!healthy) throw new Error('the production install never answered /healthz');
    const res = await fetch(`${base}/v1/auroc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ preds: [0.13, 0.26, 0.08, 0.19, 0.34], labels: [0, 0, 1, 1, 1] }),
    });
    const { auroc } = (await res.json()) as { auroc: number };
    log(`/healthz 200; seed AUROC ${auroc}`);
    child.kill('SIGTERM');
    const [exitCode] = (await exited) as [number | null];
    log(`exit code after SIGTERM: ${exitCode}`);
    return { auroc, exitCode };
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = once(child, 'exit');
      child.kill('SIGKILL');
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { auroc, exitCode } = await smokeProd();
  process.exitCode = auroc === 0.5 && exitCode === 0 ? 0 : 1;
}
