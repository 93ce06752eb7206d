import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VALIDATION_EPOCH_EXAMPLE } from '../../scripts/generated-sections.js';
import { ensurePython } from '../support/python.js';
import { projectRoot, startServer, type ServerProcess } from '../support/server-process.js';

/**
 * The training-loop example of docs/decisions.md (issue 27), run for real: the script the page
 * includes verbatim (test/readme.test.ts holds the page to the file) against the service as a
 * process on a free port. What it prints is what the service answers for the same epoch, its
 * plain-code decisions are the ones the answered threshold and temperature give, and the page
 * shows the output it prints.
 */

const run = (python: string, args: string[], env: Record<string, string> = {}) => {
  const result = spawnSync(python, args, { cwd: projectRoot, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
  expect(result.status, `${python} ${args.join(' ')}: ${result.error?.message ?? ''}\n${result.stderr}`).toBe(0);
  return result.stdout;
};

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** The one line of `output` that starts with `label`, after it. */
const line = (output: string, label: string) => {
  const found = output.split('\n').find((l) => l.startsWith(label));
  expect(found, `a "${label}" line in:\n${output}`).toBeDefined();
  return found!.slice(label.length);
};

describe(`${VALIDATION_EPOCH_EXAMPLE} against the service`, () => {
  let python: string;
  let server: ServerProcess | undefined;
  beforeAll(async () => {
    python = ensurePython();
    server = await startServer({ WORKERS: '1' });
  }, 240_000);
  afterAll(async () => {
    if (!server) return;
    server.child.kill('SIGTERM');
    await server.exit;
  });

  const post = async (path: string, body: unknown) => {
    const response = await fetch(server!.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status, path).toBe(200);
    return (await response.json()) as Record<string, any>;
  };

  it('prints the service\'s temperature and threshold for its epoch, and plain-code decisions those two give', async () => {
    const printed = run(python, [VALIDATION_EPOCH_EXAMPLE], { BASE_URL: server!.url });
    // The same epoch, from the script's own generator.
    const epoch = JSON.parse(
      run(python, [
        '-c',
        'import json, sys\nsys.path.insert(0, "docs/examples")\nimport validation_epoch as v\nlogits, labels = [], []\nfor l, y in v.validation_epoch():\n    logits += l\n    labels += y\nprint(json.dumps({"logits": logits, "labels": labels}))',
      ]),
    ) as { logits: number[]; labels: number[] };
    expect(epoch.logits).toHaveLength(256);
    // Imbalanced: about one positive in eight.
    const positives = epoch.labels.filter((y) => y === 1).length;
    expect(positives).toBeGreaterThan(16);
    expect(positives).toBeLessThan(64);

    const calibration = await post('/v1/calibration', { preds: epoch.logits, labels: epoch.labels, input: 'logits', method: 'temperature' });
    const T = calibration.temperature as number;
    expect(T).toBeGreaterThan(1); // the toy model is overconfident
    expect(Number(line(printed, 'temperature: '))).toBe(T);
    expect(line(printed, 'log loss before, after: ').split(', ').map(Number)).toEqual([calibration.before.log_loss, calibration.after.log_loss]);

    const grid = Array.from({ length: 19 }, (_, k) => (k + 1) / 20);
    const tuned = await post('/v1/thresholds', { preds: epoch.logits.map((z) => sigmoid(z / T)), labels: epoch.labels, input: 'probs', objective: 'f1_score', thresholds: grid });
    const t = tuned.threshold as number;
    expect(line(printed, 'threshold: ')).toBe(`${t} (F1 ${tuned.objective})`);

    // The decisions of the answered T and t, computed here: the rows the script says are positive.
    const decided = epoch.logits.flatMap((z, i) => (sigmoid(z / T) >= t ? [i] : []));
    expect(JSON.parse(line(printed, 'positive rows: '))).toEqual(decided);
    expect(decided).toHaveLength(tuned.counts.tp + tuned.counts.fp);
    const [count, f1] = /^(\d+) of 256 rows positive, F1 (\S+)$/.exec(line(printed, 'plain code: '))!.slice(1).map(Number);
    expect(count).toBe(decided.length);
    expect(f1).toBe(tuned.objective);

    // docs/decisions.md shows what it prints.
    const page = readFileSync(new URL('../../docs/decisions.md', import.meta.url), 'utf8');
    const shown = /It prints:\n\n```text\n([\s\S]*?)```/.exec(page)?.[1];
    expect(shown).toBe(printed);
  }, 240_000);
});
