import { readFileSync, readdirSync } from 'node:fs';
import { posix } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { defaultConfig, loadConfig } from '../../src/config.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const config = defaultConfig();

/** Redis or Valkey 7 and later: the service's scripts and commands need nothing newer. */
const REDIS_IMAGE = /^(redis:7(\.\d+)*(-alpine|-bookworm)?|valkey\/valkey:[789](\.\d+)*(-alpine|-bookworm)?)$/;

/** The Redis server options a session store needs: persistence, and no silent eviction of a session's keys. */
function expectDurableRedis(args: string[]) {
  const option = (name: string) => args[args.indexOf(`--${name}`) + 1];
  expect(option('appendonly')).toBe('yes');
  // always: Redis fsyncs before it answers, which REDIS_DURABILITY=fsync needs on a server without WAITAOF.
  expect(option('appendfsync')).toBe('always');
  expect(option('maxmemory-policy')).toBe('noeviction');
}

describe('one Node version everywhere', () => {
  const pkg = JSON.parse(read('package.json')) as { engines: { node: string }; devDependencies: Record<string, string> };

  it('npm scripts run the pinned node package, the version engines names and the image runs', () => {
    const pinned = pkg.devDependencies.node;
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(process.versions.node).toBe(pinned);
    expect(pkg.engines.node).toBe(pinned);
    const images = [...read('Dockerfile').matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image).toBe(`node:${pinned}-bookworm-slim`);
  });
});

describe('docker/compose.yaml', () => {
  const compose = parse(read('docker/compose.yaml'));
  const scorer = compose.services.scorer;

  it('runs several replicas of the service on the server port, with a /healthz health check', () => {
    expect(scorer.deploy.replicas).toBeGreaterThanOrEqual(2);
    expect(scorer.expose).toContain(String(config.PORT));
    expect(scorer.environment.PORT).toBe(String(config.PORT));
    expect(scorer.healthcheck.test.join(' ')).toContain(`127.0.0.1:${config.PORT}/healthz`);
    expect(parseInt(scorer.stop_grace_period, 10)).toBeGreaterThan(Number(scorer.environment.REQUEST_TIMEOUT_MS) / 1000);
  });

  it('puts nginx in front, proxying to the replicas on the same port', () => {
    expect(compose.services.nginx.depends_on.scorer.condition).toBe('service_healthy');
    expect(read('docker/nginx.conf')).toContain(`server scorer:${config.PORT}`);
  });

  it('runs one Redis, persistent, health-checked, with a volume for its data', () => {
    const redis = compose.services.redis;
    expect(redis.image).toMatch(REDIS_IMAGE);
    expect(redis.command[0]).toBe('redis-server');
    expectDurableRedis(redis.command);
    expect(redis.healthcheck.test.join(' ')).toMatch(/redis-cli .*ping/);
    expect(redis.deploy?.replicas ?? 1).toBe(1);
    const [volume, target] = (redis.volumes as string[])[0].split(':');
    expect(target).toBe('/data');
    expect(Object.keys(compose.volumes)).toContain(volume);
  });

  it('points every replica at that Redis, started once it answers', () => {
    const port = Number(compose.services.redis.expose[0]);
    expect(scorer.environment.STORE_URL).toBe(`redis://redis:${port}`);
    expect(scorer.depends_on.redis.condition).toBe('service_healthy');
  });

  it('sets only variables the server knows, each valid', () => {
    const known = Object.keys(config);
    for (const name of Object.keys(scorer.environment)) expect(known).toContain(name);
    const parsed = loadConfig(scorer.environment);
    expect(parsed.STORE_URL).toMatch(/^redis:\/\//);
    expect(parsed.SESSION_MAX_ROWS).toBeGreaterThan(0);
  });
});

describe('docker/k8s manifests', () => {
  const documents = readdirSync(new URL('../../docker/k8s/', import.meta.url))
    .filter((file) => file.endsWith('.yaml'))
    .flatMap((file) => parseAllDocuments(read(`docker/k8s/${file}`)).map((doc) => doc.toJS()));
  const byKind = (kind: string) => documents.find((d) => d.kind === kind);
  const named = (kind: string, name: string) => documents.find((d) => d.kind === kind && d.metadata.name === name);
  const deployment = byKind('Deployment');
  const container = deployment.spec.template.spec.containers[0];
  const configMap = byKind('ConfigMap');
  const service = named('Service', deployment.metadata.name);
  const redis = byKind('StatefulSet');
  const redisService = named('Service', redis.spec.serviceName);
  const redisContainer = redis.spec.template.spec.containers[0];
  /** Whether a selector (matchLabels) picks pods with these labels. */
  const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

  it('has a Deployment, its Service, HorizontalPodAutoscaler, PodDisruptionBudget and ConfigMap, and a Redis StatefulSet with its Service', () => {
    expect(documents.map((d) => d.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Service', 'Service', 'StatefulSet']);
    expect(service).toBeDefined();
    expect(redisService).toBeDefined();
  });

  it('probes /healthz and /readyz on the port the server listens on', () => {
    expect(container.ports[0].containerPort).toBe(Number(configMap.data.PORT));
    expect(Number(configMap.data.PORT)).toBe(config.PORT);
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) expect(probe.httpGet.port).toBe(container.ports[0].name);
  });

  it('gives shutdown more time than the preStop pause plus the longest request', () => {
    const preStop = Number(container.lifecycle.preStop.exec.command[1]);
    const drain = Number(configMap.data.REQUEST_TIMEOUT_MS) / 1000;
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(preStop + drain);
  });

  it('takes its configuration from variables the server knows', () => {
    const known = Object.keys(config);
    for (const name of Object.keys(configMap.data)) expect(known).toContain(name);
    expect(container.envFrom[0].configMapRef.name).toBe(configMap.metadata.name);
  });

  it('wires the Service, autoscaler and disruption budget to the Deployment', () => {
    const labels = deployment.spec.template.metadata.labels;
    expect(service.spec.selector).toEqual(labels);
    expect(service.spec.ports[0].targetPort).toBe(container.ports[0].name);
    expect(byKind('PodDisruptionBudget').spec.selector.matchLabels).toEqual(labels);
    expect(byKind('HorizontalPodAutoscaler').spec.scaleTargetRef.name).toBe(deployment.metadata.name);
    expect(byKind('HorizontalPodAutoscaler').spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
  });

  it('runs one Redis with a persistent volume, durable and without eviction, probed with PING', () => {
    expect(redis.spec.replicas).toBe(1);
    expect(redisContainer.image).toMatch(REDIS_IMAGE);
    expectDurableRedis(redisContainer.args);
    const claim = redis.spec.volumeClaimTemplates[0];
    const mount = redisContainer.volumeMounts.find((m: { name: string }) => m.name === claim.metadata.name);
    expect(mount.mountPath).toBe('/data');
    expect(claim.spec.resources.requests.storage).toBeDefined();
    for (const probe of [redisContainer.livenessProbe, redisContainer.readinessProbe]) expect(probe.exec.command.join(' ')).toMatch(/^redis-cli .*ping$/);
    // maxmemory (when set) stays below the container's memory limit, so Redis refuses writes before the kernel kills it.
    const bytes = (text: string) => Number(text.match(/^\d+/)?.[0]) * ({ mb: 2 ** 20, gb: 2 ** 30, Mi: 2 ** 20, Gi: 2 ** 30 } as Record<string, number>)[text.replace(/^\d+/, '')];
    expect(redisContainer.args).toContain('--maxmemory');
    expect(bytes(redisContainer.args[redisContainer.args.indexOf('--maxmemory') + 1])).toBeLessThan(bytes(redisContainer.resources.limits.memory));
  });

  it('wires the Redis Service to the Redis pods only, and the service\'s Service, disruption budget and autoscaler to its pods only', () => {
    const redisLabels = redis.spec.template.metadata.labels;
    const labels = deployment.spec.template.metadata.labels;
    expect(redis.spec.selector.matchLabels).toEqual(redisService.spec.selector);
    expect(selects(redisService.spec.selector, redisLabels)).toBe(true);
    expect(selects(redisService.spec.selector, labels)).toBe(false);
    expect(selects(service.spec.selector, redisLabels)).toBe(false);
    expect(selects(byKind('PodDisruptionBudget').spec.selector.matchLabels, redisLabels)).toBe(false);
    expect(redisService.spec.ports[0].targetPort).toBe(redisContainer.ports[0].name);
  });

  it('points every replica at that Redis through STORE_URL, and waits for it before starting', () => {
    const url = `redis://${redisService.metadata.name}:${redisService.spec.ports[0].port}`;
    expect(configMap.data.STORE_URL).toBe(url);
    expect(loadConfig(configMap.data).STORE_URL).toBe(url);
    expect(container.env?.some((e: { name: string }) => e.name === 'STORE_URL') ?? false).toBe(false);
    const wait = deployment.spec.template.spec.initContainers[0];
    expect(wait.image).toMatch(REDIS_IMAGE);
    expect(wait.command.join(' ')).toContain(`redis-cli -h ${redisService.metadata.name} -p ${redisService.spec.ports[0].port} ping`);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  it('is multi-stage, pinned, non-root, exposes the port, checks /healthz and runs node directly', () => {
    expect(dockerfile.match(/^FROM node:\d+\.\d+\.\d+-bookworm-slim/gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${config.PORT}$`, 'm'));
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/server.js"\]$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
  });

  it('gives the node user the folder of the embedded session store (STORE_URL\'s default) before it drops root', () => {
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const workdir = runtime.match(/^WORKDIR (\S+)$/m)?.[1];
    const folder = posix.join(workdir ?? '/', posix.dirname(config.STORE_URL.replace(/^sqlite:/, '')));
    const prepare = runtime.match(new RegExp(`^RUN mkdir -p ${folder} && chown node:node ${folder}$`, 'm'));
    expect(prepare).not.toBeNull();
    expect(runtime.indexOf(prepare![0])).toBeLessThan(runtime.indexOf('\nUSER node'));
  });
});
