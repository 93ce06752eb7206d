import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigSchema, defaultConfig } from '../../src/config.js';

/**
 * The operator-facing parts of the README and docs/, held to the files they describe: the
 * README's two commands, the configuration table of docs/operations.md against the server's
 * environment schema, the sessions table of docs/sessions.md and the Python examples of
 * docs/clients.md against the OpenAPI document, and the deploy commands against the files.
 */
const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const openapi = JSON.parse(read('openapi/openapi.json')) as { paths: Record<string, Record<string, unknown>> };
const config = defaultConfig();

/** The text of a page's `## title` section, up to the next `## `. */
function section(page: string, title: string): string {
  const text = read(page);
  const start = text.indexOf(`\n## ${title}\n`);
  expect(start, `${page} has a "## ${title}" section`).toBeGreaterThanOrEqual(0);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end === -1 ? undefined : end);
}

/** The fenced blocks of one language in a text. */
const blocks = (text: string, language: string) => [...text.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1]);

const sessionOperations = Object.entries(openapi.paths)
  .filter(([path]) => path.startsWith('/v1/sessions'))
  .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));

describe('README and docs/', () => {
  it('keeps the two commands', () => {
    const commands = blocks(section('README.md', 'Two commands'), 'sh')[0];
    expect(commands).toMatch(/^npm ci && npm start\b/m);
    expect(commands).toMatch(/^npm ci && npm test\b/m);
  });

  it('documents every variable of the environment, with the defaults of the session variables', () => {
    const table = section('docs/operations.md', 'Configuration');
    for (const name of Object.keys(ConfigSchema.shape)) expect(table).toContain(`| \`${name}\` |`);
    expect(table).toContain(`| \`STORE_URL\` | \`${config.STORE_URL}\` |`);
    expect(table).toContain(`| \`SESSION_MAX_ROWS\` | \`${config.SESSION_MAX_ROWS}\` |`);
    expect(table).toContain(`| \`SESSION_TTL_SECONDS\` | \`${config.SESSION_TTL_SECONDS}\``);
  });

  it('lists every session operation of the OpenAPI document in the sessions table, and every store', () => {
    const sessions = section('docs/sessions.md', 'The calls');
    const stores = section('docs/sessions.md', 'Stores');
    expect(sessionOperations.length).toBeGreaterThanOrEqual(8);
    for (const operation of sessionOperations) expect(sessions).toContain(`\`${operation}`);
    // The three stores STORE_URL takes, and the default among them.
    for (const store of [config.STORE_URL, 'memory:', 'redis://']) expect(stores).toContain(`| \`${store}`);
  });

  it('calls only session operations that exist in its Python examples', () => {
    const python = blocks(read('docs/clients.md'), 'python').join('\n');
    const calls = [...python.matchAll(/call\("(GET|POST|DELETE)", f?"(\/v1\/sessions[^"]*)"/g)].map(([, method, path]) => `${method} ${path.replace(/\{[^}]+\}/g, '{id}')}`);
    expect(new Set(calls)).toEqual(
      new Set(['POST /v1/sessions', 'POST /v1/sessions/{id}/reset', 'POST /v1/sessions/{id}/batches', 'GET /v1/sessions/{id}', 'DELETE /v1/sessions/{id}', 'POST /v1/sessions/{id}/merge']),
    );
    for (const call of calls) expect(sessionOperations).toContain(call);
    // One session per validation epoch: reset between epochs; data-parallel ranks merge.
    expect(python).toMatch(/for epoch in range\(epochs\):\n\s+call\("POST", f"\/v1\/sessions\/\{\w+\}\/reset"\)/);
    expect(python).toContain('out["loss"]["grad"]');
    expect(python).toContain('dist.all_gather_object');
  });

  it('shows how to run the replicas against Redis with the files that exist', () => {
    const deploy = section('docs/operations.md', 'Deploy');
    const compose = deploy.match(/docker compose -f (\S+) up/)?.[1];
    expect(compose).toBe('docker/compose.yaml');
    expect(existsSync(new URL(`../../${compose}`, import.meta.url))).toBe(true);
    const manifests = deploy.match(/kubectl apply -f (\S+)/)?.[1];
    expect(manifests).toBe('docker/k8s/');
    expect(existsSync(new URL('../../docker/k8s/redis.yaml', import.meta.url))).toBe(true);
    expect(deploy).toContain('STORE_URL=redis://redis:6379');
    expect(deploy).toMatch(/-v \S+:\/app\/data/);
  });
});
