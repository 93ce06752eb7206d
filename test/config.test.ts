import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { testApp } from './support/app.js';

describe('configuration from the environment', () => {
  it('has documented defaults', () => {
    expect(loadConfig({})).toMatchObject({ PORT: 8080, HOST: '0.0.0.0', BODY_LIMIT_BYTES: 64 * 1024 * 1024, LOG_LEVEL: 'info' });
  });

  it('gives each start-up plugin 120 s by default (fastify’s 10 s fails starts on a loaded machine), 0 for no limit', () => {
    expect(loadConfig({}).PLUGIN_TIMEOUT_MS).toBe(120_000);
    expect(loadConfig({ PLUGIN_TIMEOUT_MS: '0' }).PLUGIN_TIMEOUT_MS).toBe(0);
  });

  it('parses numbers', () => {
    expect(loadConfig({ PORT: '9090', WORKERS: '3', MAX_QUEUE: '5' })).toMatchObject({ PORT: 9090, WORKERS: 3, MAX_QUEUE: 5 });
  });

  it.each(['sqlite:./data/s.sqlite', 'memory:', 'redis://r:6379', 'rediss://:pw@r:6380/2', 'redis+cluster://a:7000,b:7001', 'rediss+cluster://:pw@a:7000'])('takes STORE_URL=%s', (url) => {
    expect(loadConfig({ STORE_URL: url }).STORE_URL).toBe(url);
  });

  it.each([
    ['STORE_URL', 'postgres://db'],
    ['STORE_URL', 'redis+sentinel://a:1'],
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['WORKERS', '0'],
    ['LOG_LEVEL', 'loud'],
    ['REQUEST_TIMEOUT_MS', '-5'],
    ['PLUGIN_TIMEOUT_MS', '-1'],
    ['BODY_TIMEOUT_MS', '0'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^invalid environment: ${name}:`));
  });

  it('rejects timeouts that contradict each other, naming the variable', () => {
    expect(() => loadConfig({ HEADERS_TIMEOUT_MS: '5000', BODY_TIMEOUT_MS: '1000' })).toThrow(/^invalid environment: HEADERS_TIMEOUT_MS: must be at most BODY_TIMEOUT_MS/);
    expect(() => loadConfig({ IDLE_TIMEOUT_MS: '30000' })).toThrow(/^invalid environment: IDLE_TIMEOUT_MS: must be longer than REQUEST_TIMEOUT_MS/);
  });
});

describe('the app under its configuration', () => {
  it('hands PLUGIN_TIMEOUT_MS to fastify as its plugin timeout, the default instead of fastify\'s 10 s', async () => {
    const app = await testApp();
    try {
      expect(app.initialConfig.pluginTimeout).toBe(120_000);
    } finally {
      await app.close();
    }
  });
});
