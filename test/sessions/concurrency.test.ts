import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, startRedisCluster } from '../support/redis.js';
import type { ServerProcess } from '../support/server-process.js';
import { ServiceProcesses, call, concatenate, expectJson, expectSameMetrics, makeBatches, type Batch } from '../support/session-processes.js';

/**
 * The concurrency and retry guarantees of sessions (issue 17, SESSIONS.md), against two real
 * service processes (replicas) sharing one real redis-server, and again sharing a real
 * three-master Redis Cluster (fewer batches):
 *
 * - 8 clients × 200 batches of 64 rows, at once, into one session, spread over both replicas:
 *   rows, batches and every metric equal the single-call /v1/metrics computation on the
 *   concatenation (exact AUROC and AP within 1e-12: the order the rows were applied in differs
 *   from the concatenation's; counts exactly), and the batch counters the 1600 answers carry are
 *   exactly 1..1600 (each batch applied once, on a state that had every earlier one);
 * - the same Idempotency-Key sent at once to both replicas is applied once and answered the
 *   same everywhere; the same key with another body is 422, also when the two race.
 */

const CLASSES = 3;
const ROWS = 64;
const CONFIG = {
  task: 'multiclass',
  num_classes: CLASSES,
  input: 'probs',
  metrics: ['auroc', 'average_precision', 'f1_score', { name: 'f1_score', average: 'micro', key: 'f1_micro' }, 'confusion_matrix'],
};

const stores = [
  { name: 'one Redis', CLIENTS: 8, PER_CLIENT: 200, start: () => startRedis() },
  { name: 'a Redis Cluster', CLIENTS: 4, PER_CLIENT: 50, start: () => startRedisCluster() },
];

describe.each(stores)('sessions through two replicas sharing $name', ({ CLIENTS, PER_CLIENT, start }) => {
  const procs = new ServiceProcesses();
  let redis: { url: string; stop(): Promise<void> };
  let replicas: ServerProcess[];

  beforeAll(async () => {
    redis = await start();
    replicas = await Promise.all([procs.start({ STORE_URL: redis.url }), procs.start({ STORE_URL: redis.url })]);
  });

  afterAll(async () => {
    await procs.killAll();
    await redis?.stop();
  });

  const post = (replica: number, id: string, batch: Batch, keyed: boolean) =>
    call(replicas[replica].url, 'POST', `/v1/sessions/${id}/batches`, batch.json, keyed ? { 'idempotency-key': batch.key } : {});

  async function expectStateless(id: string, batches: Batch[], context: string) {
    const session = await expectJson(replicas[0].url, 'GET', `/v1/sessions/${id}`);
    expect({ rows: session.rows, batches: session.batches }, context).toEqual({ rows: batches.length * ROWS, batches: batches.length });
    const stateless = await expectJson(replicas[1].url, 'POST', '/v1/metrics', { ...concatenate(batches), task: CONFIG.task, num_classes: CLASSES, input: CONFIG.input, metrics: CONFIG.metrics });
    expectSameMetrics(session.metrics, stateless.metrics, context);
  }

  it(`${CLIENTS} clients × ${PER_CLIENT} batches of ${ROWS} rows into one session: rows and every metric equal the single-call computation`, { timeout: 600_000 }, async () => {
    const seed = randomInt(2 ** 31);
    const id = (await expectJson(replicas[0].url, 'POST', '/v1/sessions', CONFIG, 201)).id as string;
    const perClient = Array.from({ length: CLIENTS }, (_, c) => makeBatches(PER_CLIENT, ROWS, CLASSES, seed + c, `c${c}`));
    const counters: number[] = [];
    const failures: string[] = [];
    const started = Date.now();
    await Promise.all(
      perClient.map(async (batches, c) => {
        for (const [j, batch] of batches.entries()) {
          // Each client alternates replicas; half the clients send an Idempotency-Key.
          const answer = await post((c + j) % 2, id, batch, c % 2 === 0);
          if (answer.status !== 200) {
            failures.push(`client ${c} batch ${j}: ${answer.status} ${answer.error ?? answer.text.slice(0, 300)}`);
            continue;
          }
          const { rows, batches: count } = JSON.parse(answer.text) as { rows: number; batches: number };
          expect(rows, `client ${c} batch ${j}`).toBe(count * ROWS);
          counters.push(count);
        }
      }),
    );
    console.info(`${CLIENTS * PER_CLIENT} batches through 2 replicas in ${Date.now() - started} ms`);
    expect(failures.slice(0, 5), `${failures.length} of ${CLIENTS * PER_CLIENT} batches failed (seed ${seed})`).toEqual([]);
    // Every commit saw every earlier one: the counters answered are 1..CLIENTS × PER_CLIENT, each once.
    expect(counters.sort((a, b) => a - b)).toEqual(Array.from({ length: CLIENTS * PER_CLIENT }, (_, i) => i + 1));
    await expectStateless(id, perClient.flat(), `seed ${seed}`);
  });

  it('the same Idempotency-Key at once on both replicas is applied once and answered the same; another body under a key is 422', async () => {
    const seed = randomInt(2 ** 31);
    const id = (await expectJson(replicas[1].url, 'POST', '/v1/sessions', CONFIG, 201)).id as string;
    const batches = makeBatches(12, ROWS, CLASSES, seed, 'dup');
    const keyed = batches.slice(0, 10);

    // Ten keys, each sent three times to each replica, all sixty requests at once.
    const sent = keyed.flatMap((batch) => Array.from({ length: 6 }, (_, k) => ({ batch, answer: post(k % 2, id, batch, true) })));
    const answers = await Promise.all(sent.map(async ({ batch, answer }) => ({ batch, answer: await answer })));
    for (const batch of keyed) {
      const mine = answers.filter((a) => a.batch === batch).map((a) => a.answer);
      expect(mine.map((a) => a.status), `${batch.key}: ${mine.map((a) => a.error ?? a.text.slice(0, 200)).join(' | ')}`).toEqual([200, 200, 200, 200, 200, 200]);
      expect(new Set(mine.map((a) => a.text)).size, `${batch.key}: ${mine.map((a) => a.text).join(' | ')}`).toBe(1);
    }
    // Each key applied once: the ten answers carry the counters 1..10.
    const counters = keyed.map((batch) => JSON.parse(answers.find((a) => a.batch === batch)!.answer.text).batches as number);
    expect(counters.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await expectStateless(id, keyed, `seed ${seed}`);

    // A used key with another body: 422 on either replica, and nothing changes.
    const reused = { ...batches[10], key: keyed[0].key };
    for (const replica of [0, 1]) {
      const answer = await post(replica, id, reused, true);
      expect(answer.status, answer.text).toBe(422);
    }
    await expectStateless(id, keyed, `seed ${seed}, after the 422s`);

    // A new key with two different bodies at once on the two replicas: one is applied, the other is 422.
    const key = `race-${seed}`;
    const [a, b] = await Promise.all([post(0, id, { ...batches[10], key }, true), post(1, id, { ...batches[11], key }, true)]);
    expect([a.status, b.status].sort(), `${a.text} | ${b.text}`).toEqual([200, 422]);
    await expectStateless(id, [...keyed, a.status === 200 ? batches[10] : batches[11]], `seed ${seed}, after the race`);
  });
});
