import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../support/redis.js';
import type { ServerProcess } from '../support/server-process.js';
import { ServiceProcesses, call, concatenate, expectJson, expectSameMetrics, makeBatches, type Answer, type Batch } from '../support/session-processes.js';

/**
 * The durability guarantee of sessions (issue 17, SESSIONS.md), against the real service as a
 * child process: with the embedded SQLite store, `kill -9` of the service while clients post
 * loses no batch it acknowledged (restart on the same file and compute); with Redis, SIGKILL of
 * one of two replicas mid-stream loses nothing acknowledged and the other keeps answering.
 *
 * Every batch carries an Idempotency-Key, so after the crash each one can be resent: an
 * acknowledged batch must replay its first answer byte for byte (it was committed with it),
 * and the batches lost in flight are applied at most once. Then rows, batches and every
 * metric equal the stateless /v1/metrics answer on the concatenation of all the batches.
 */

const CONFIG = { task: 'binary', input: 'probs', metrics: ['auroc', 'average_precision', 'f1_score', 'confusion_matrix'] };
const ROWS = 64;

const procs = new ServiceProcesses();
let folder: string;
let redis: RedisServer | undefined;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'fa-durability-'));
});

afterAll(async () => {
  await procs.killAll();
  await redis?.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
});

interface Outcome {
  batch: Batch;
  answer: Answer;
  /** Sent after the crash was triggered. */
  late: boolean;
  replica: number;
}

/**
 * Concurrent clients posting `batches` (each taken once, in order) to `targets[i % n]`; once
 * `killAfter` batches are acknowledged, the one whose 200 made the count SIGKILLs `victim`, in
 * the same tick as that answer. With `stopOnCrash`, clients take no new batch after the kill.
 */
async function postWhileCrashing(options: { targets: ServerProcess[]; victim: ServerProcess; batches: Batch[]; clients: number; killAfter: number; id: string; stopOnCrash: boolean }) {
  const { targets, victim, batches, clients, killAfter, id, stopOnCrash } = options;
  const outcomes: Outcome[] = [];
  let next = 0;
  let acknowledged = 0;
  let killed = false;
  const client = async () => {
    while (next < batches.length && !(stopOnCrash && killed)) {
      const index = next++;
      const batch = batches[index];
      const replica = index % targets.length;
      const late = killed;
      const answer = await call(targets[replica].url, 'POST', `/v1/sessions/${id}/batches`, batch.json, { 'idempotency-key': batch.key });
      outcomes.push({ batch, answer, late, replica });
      if (answer.status === 200 && ++acknowledged === killAfter) {
        killed = true;
        victim.child.kill('SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  return outcomes;
}

/** The stateless answer for the concatenation of `batches`. */
async function statelessMetrics(url: string, batches: Batch[]) {
  return (await expectJson(url, 'POST', '/v1/metrics', { ...concatenate(batches), task: CONFIG.task, input: CONFIG.input, metrics: CONFIG.metrics })).metrics;
}

/**
 * After the crash: the acknowledged batches are all there (between acknowledged and
 * acknowledged + unanswered rows), each replays its first answer, each unanswered one resent
 * counts at most once, and the session then equals the stateless computation on all of them.
 */
async function checkNothingAcknowledgedLost(url: string, id: string, outcomes: Outcome[], context: string) {
  const acked = outcomes.filter((o) => o.answer.status === 200);
  const unanswered = outcomes.filter((o) => o.answer.status === null);
  const other = outcomes.filter((o) => o.answer.status !== 200 && o.answer.status !== null);
  expect(other.map((o) => `${o.answer.status} ${o.answer.text.slice(0, 200)}`), `${context}: answers other than 200 or a broken connection`).toEqual([]);

  const before = await expectJson(url, 'GET', `/v1/sessions/${id}`);
  const ackedRows = acked.length * ROWS;
  const summary = `${context}: ${acked.length} acknowledged, ${unanswered.length} unanswered, stored ${before.batches} batches / ${before.rows} rows`;
  expect(before.rows, summary).toBeGreaterThanOrEqual(ackedRows);
  expect(before.rows, summary).toBeLessThanOrEqual(ackedRows + unanswered.length * ROWS);
  expect(before.batches, summary).toBeGreaterThanOrEqual(acked.length);
  expect(before.batches, summary).toBeLessThanOrEqual(acked.length + unanswered.length);

  // Every acknowledged batch was stored with its answer: resent with its key, the same answer, and no new row.
  const replays = await Promise.all(acked.map((o) => call(url, 'POST', `/v1/sessions/${id}/batches`, o.batch.json, { 'idempotency-key': o.batch.key })));
  replays.forEach((replay, i) => {
    expect(replay.status, `${summary}: replay of ${acked[i].batch.key}: ${replay.error ?? replay.text}`).toBe(200);
    expect(replay.text, `${summary}: replay of ${acked[i].batch.key}`).toBe(acked[i].answer.text);
  });
  expect((await expectJson(url, 'GET', `/v1/sessions/${id}`)).rows, `${summary}: replays added rows`).toBe(before.rows);

  // The unanswered ones, resent with their keys, count once whether or not they were applied before the crash.
  for (const o of unanswered) await expectJson(url, 'POST', `/v1/sessions/${id}/batches`, o.batch.json, 200, { 'idempotency-key': o.batch.key });
  const all = [...acked, ...unanswered].map((o) => o.batch);
  const after = await expectJson(url, 'GET', `/v1/sessions/${id}`);
  expect({ rows: after.rows, batches: after.batches }, summary).toEqual({ rows: all.length * ROWS, batches: all.length });
  expectSameMetrics(after.metrics, await statelessMetrics(url, all), summary);
  return { acked: acked.length, unanswered: unanswered.length, appliedUnanswered: before.batches - acked.length };
}

describe('sessions survive a crash', () => {
  it('embedded SQLite store: kill -9 right after a 200, while 3 clients post, loses no acknowledged batch (restart on the same file)', { timeout: 600_000 }, async () => {
    const seed = randomInt(2 ** 31);
    const env = { STORE_URL: `sqlite:${join(folder, 's.sqlite')}` };
    const first = await procs.start(env);
    const id = (await expectJson(first.url, 'POST', '/v1/sessions', CONFIG, 201)).id as string;
    const batches = makeBatches(400, ROWS, 2, seed, 'sqlite');

    const outcomes = await postWhileCrashing({ targets: [first], victim: first, batches, clients: 3, killAfter: 50, id, stopOnCrash: true });
    expect(await first.exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(outcomes.filter((o) => o.answer.status === 200).length, `seed ${seed}`).toBeGreaterThanOrEqual(50);

    const second = await procs.start(env);
    const counts = await checkNothingAcknowledgedLost(second.url, id, outcomes, `sqlite, seed ${seed}`);
    console.info(`sqlite kill -9: ${JSON.stringify(counts)}`);
  });

  it('Redis: SIGKILL of one of two replicas mid-stream loses no acknowledged batch, and the other keeps answering', { timeout: 600_000 }, async () => {
    const seed = randomInt(2 ** 31);
    redis = await startRedis();
    const env = { STORE_URL: redis.url };
    const replicas = await Promise.all([procs.start(env), procs.start(env)]);
    const [victim, survivor] = replicas;
    const id = (await expectJson(survivor.url, 'POST', '/v1/sessions', CONFIG, 201)).id as string;
    const batches = makeBatches(240, ROWS, 2, seed, 'redis');

    const outcomes = await postWhileCrashing({ targets: replicas, victim, batches, clients: 4, killAfter: 60, id, stopOnCrash: false });
    expect(await victim.exit).toEqual({ code: null, signal: 'SIGKILL' });

    // The survivor answered every batch sent to it, before and after the crash.
    const toSurvivor = outcomes.filter((o) => o.replica === 1);
    expect(toSurvivor.filter((o) => o.answer.status !== 200).map((o) => `${o.batch.key}: ${o.answer.status} ${o.answer.error ?? o.answer.text.slice(0, 200)}`)).toEqual([]);
    expect(toSurvivor.filter((o) => o.late).length, 'batches sent to the survivor after the crash').toBeGreaterThanOrEqual(40);
    // The victim answered nothing once dead.
    expect(outcomes.filter((o) => o.replica === 0 && o.late && o.answer.status !== null)).toEqual([]);

    const counts = await checkNothingAcknowledgedLost(survivor.url, id, outcomes, `redis, seed ${seed}`);
    console.info(`redis replica SIGKILL: ${JSON.stringify(counts)}`);
  });
});
