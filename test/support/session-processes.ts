import { expect } from 'vitest';
import { mulberry32 } from '../../src/kernels/random.js';
import { startServer, type ServerProcess } from './server-process.js';

/**
 * Helpers of the session guarantee tests that run the real service as child processes
 * (test/sessions/durability.test.ts, concurrency.test.ts): a registry that kills every process
 * it started (also when the test fails or the test process exits), HTTP calls that report a
 * broken connection instead of throwing, seeded batches, and the metric comparison.
 */

/**
 * Starts service processes (`startServer`) and kills every one still running on `killAll`.
 * A process is registered as soon as it is spawned; `startServer` tracks it too (killed at the
 * end of its test, at the test process's exit, and by the run's global teardown).
 */
export class ServiceProcesses {
  private readonly started: ServerProcess[] = [];

  async start(env: Record<string, string>): Promise<ServerProcess> {
    // LOG_LEVEL info (startServer's): the "Server listening" line is how the start is seen.
    return startServer({ WORKERS: '1', ...env }, undefined, { onSpawn: (server) => this.started.push(server) });
  }

  /** SIGKILL (a crash); resolves once the process is gone. */
  async crash(server: ServerProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (running(server)) server.child.kill('SIGKILL');
    return server.exit;
  }

  async killAll(): Promise<void> {
    await Promise.all(this.started.map((server) => this.crash(server)));
  }
}

const running = (server: ServerProcess) => server.child.exitCode === null && server.child.signalCode === null;

/** An HTTP answer, or `status: null` with the error when the connection failed (no answer). */
export interface Answer {
  status: number | null;
  text: string;
  error?: string;
}

/** One JSON request; a refused or broken connection is an answer with status null, not a throw. */
export async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  try {
    const res = await fetch(base + path, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(150_000), // a backstop against a hang, met by a loaded machine
    });
    return { status: res.status, text: await res.text() };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { status: null, text: '', error: `${(error as Error).message}: ${cause?.code ?? cause?.message ?? ''}` };
  }
}

/** A call that must answer `status`; returns the parsed body. */
export async function expectJson(base: string, method: string, path: string, body?: unknown, status = 200, headers: Record<string, string> = {}): Promise<any> {
  const answer = await call(base, method, path, body, headers);
  expect(answer.status, `${method} ${base}${path}: ${answer.error ?? answer.text.slice(0, 500)}`).toBe(status);
  return answer.text === '' ? null : JSON.parse(answer.text);
}

/** A batch of a session, its JSON text (posted as is, and resent byte for byte) and its key. */
export interface Batch {
  key: string;
  preds: number[] | number[][];
  labels: number[];
  json: string;
}

/**
 * Seeded distinct batches: binary probabilities (classes = 2 → preds a vector) or multiclass
 * softmax rows (classes > 2), with labels the scores favour imperfectly. Continuous random
 * scores, so ties are rare and AUROC exercises the full ranking.
 */
export function makeBatches(count: number, rows: number, classes: number, seed: number, keyPrefix: string): Batch[] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, (_, b) => {
    const labels: number[] = [];
    const preds: Array<number | number[]> = [];
    for (let i = 0; i < rows; i++) {
      const label = classes === 2 ? (random() < 0.3 ? 1 : 0) : Math.floor(random() * classes);
      labels.push(label);
      if (classes === 2) {
        preds.push(1 / (1 + Math.exp(-(4 * random() - 2 + 1.2 * label))));
      } else {
        const logits = Array.from({ length: classes }, (_, c) => 3 * random() + (c === label ? 1 : 0));
        const max = Math.max(...logits);
        const e = logits.map((v) => Math.exp(v - max));
        const sum = e.reduce((s, v) => s + v, 0);
        preds.push(e.map((v) => v / sum));
      }
    }
    return { key: `${keyPrefix}-${b}`, preds: preds as number[] | number[][], labels, json: JSON.stringify({ preds, labels }) };
  });
}

/** The concatenation of batches, as one stateless request's tensors. */
export function concatenate(batches: Batch[]): { preds: unknown[]; labels: number[] } {
  return { preds: batches.flatMap((b) => b.preds as unknown[]), labels: batches.flatMap((b) => b.labels) };
}

const RANKING = new Set(['auroc', 'average_precision']);

/**
 * Every metric of a session equals the stateless answer: exact AUROC and AP within 1e-12
 * (relative), everything else (counts, and the rates computed from them) exactly.
 */
export function expectSameMetrics(got: Record<string, any>, want: Record<string, any>, context: string): void {
  expect(Object.keys(got).sort(), context).toEqual(Object.keys(want).sort());
  for (const [name, entry] of Object.entries(want)) {
    if (!RANKING.has(name)) {
      expect(got[name], `${context}: ${name}`).toEqual(entry);
      continue;
    }
    const { [name]: value, ...rest } = entry as Record<string, unknown>;
    const { [name]: mine, ...myRest } = got[name] as Record<string, unknown>;
    expect(myRest, `${context}: ${name}`).toEqual(rest);
    const values = (Array.isArray(value) ? value : [value]) as Array<number | null>;
    const mines = (Array.isArray(mine) ? mine : [mine]) as Array<number | null>;
    expect(mines.length, `${context}: ${name}`).toBe(values.length);
    values.forEach((v, i) => {
      expect(typeof v, `${context}: ${name}[${i}] of the stateless answer`).toBe('number');
      expect(Math.abs((mines[i] as number) - (v as number)), `${context}: ${name}[${i}] = ${mines[i]}, stateless ${v}`).toBeLessThanOrEqual(1e-12 * Math.abs(v as number));
    });
  }
}
