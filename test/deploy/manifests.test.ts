import { readFileSync, readdirSync } from 'node:fs';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const config = defaultConfig();

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
});

describe('docker/k8s manifests', () => {
  const documents = readdirSync(new URL('../../docker/k8s/', import.meta.url))
    .filter((file) => file.endsWith('.yaml'))
    .flatMap((file) => parseAllDocuments(read(`docker/k8s/${file}`)).map((doc) => doc.toJS()));
  const byKind = (kind: string) => documents.find((d) => d.kind === kind);
  const deployment = byKind('Deployment');
  const container = deployment.spec.template.spec.containers[0];
  const configMap = byKind('ConfigMap');

  it('has a Deployment, Service, HorizontalPodAutoscaler, PodDisruptionBudget and ConfigMap', () => {
    expect(documents.map((d) => d.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Service']);
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
    expect(byKind('Service').spec.selector).toEqual(labels);
    expect(byKind('Service').spec.ports[0].targetPort).toBe(container.ports[0].name);
    expect(byKind('PodDisruptionBudget').spec.selector.matchLabels).toEqual(labels);
    expect(byKind('HorizontalPodAutoscaler').spec.scaleTargetRef.name).toBe(deployment.metadata.name);
    expect(byKind('HorizontalPodAutoscaler').spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
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
});
