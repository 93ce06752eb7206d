import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { clusterAddress, redisUrlProblem, seedText } from '../src/store-url.js';

/** STORE_URL's Redis forms: read for the Redis store, and checked when the configuration loads. */
describe('Redis STORE_URLs', () => {
  it('reads a cluster URL: seeds (IPv6 in brackets, port 6379 by default), percent-decoded credentials, TLS', () => {
    expect(clusterAddress('redis://h:1')).toBeNull();
    expect(clusterAddress('redis+cluster://a:7000,b,[::1]:7002/')).toEqual({ seeds: [{ host: 'a', port: 7000 }, { host: 'b', port: 6379 }, { host: '::1', port: 7002 }], tls: false });
    expect(clusterAddress('rediss+cluster://user:p%40ss%3Aw%25rd%2Fx@a:1')).toEqual({ seeds: [{ host: 'a', port: 1 }], tls: true, username: 'user', password: 'p@ss:w%rd/x' });
    expect(clusterAddress('redis+cluster://:pw@a:1')).toEqual({ seeds: [{ host: 'a', port: 1 }], tls: false, password: 'pw' });
    expect(seedText({ host: '::1', port: 7002 })).toBe('[::1]:7002');
  });

  // Each of these crashed the service at start with a stack trace, or connected to localhost.
  it.each([
    ['redis+cluster://', /at least one host:port seed/],
    ['redis+cluster://:pw@', /at least one host:port seed/],
    ['redis+cluster://,', /seed node 1 \(""\)/],
    ['redis+cluster://h:1,,h:2', /seed node 2 \(""\)/],
    ['redis+cluster://h:1/0', /no path, query or fragment/],
    ['redis+cluster://h:1?x=1', /no path, query or fragment/],
    ['redis+cluster://h:1#f', /no path, query or fragment/],
    ['redis+cluster://127.0.0.1:99999', /port 1 to 65535/],
    ['redis+cluster://h:0', /port 1 to 65535/],
    ['redis+cluster://h:abc', /seed node 1 \("h:abc"\)/],
    ['redis+cluster://::1:17001', /IPv6 host in brackets/],
    ['redis+cluster://h:1;h:2', /seed node 1/],
    ['redis+cluster:// h:1', /seed node 1/],
    ['redis+cluster://:p%ss@h:1', /percent-encoding/],
  ])('refuses %s, saying why', (url, why) => {
    expect(() => clusterAddress(url)).toThrow(why);
    expect(redisUrlProblem(url)).toMatch(why);
    expect(() => loadConfig({ STORE_URL: url })).toThrow(ConfigError);
    expect(() => loadConfig({ STORE_URL: url })).toThrow(/^invalid environment: STORE_URL: /);
  });

  it.each([
    ['redis://', /no host|not a valid URL/],
    ['redis://h:99999', /not a valid URL/],
    ['redis://:p%ss@h:1', /percent-encoding|not a valid URL/],
    ['redis://h:1/x', /not a database number/],
  ])('refuses the plain URL %s, saying why', (url, why) => {
    expect(redisUrlProblem(url)).toMatch(why);
    expect(() => loadConfig({ STORE_URL: url })).toThrow(/^invalid environment: STORE_URL: /);
  });

  it.each(['redis://h', 'redis://:pw@h:6380/2', 'rediss://u:p%40w@h:1/', 'redis+cluster://a:1,[::1]:2', 'rediss+cluster://u:p@a'])('takes %s', (url) => {
    expect(redisUrlProblem(url)).toBeNull();
    expect(loadConfig({ STORE_URL: url }).STORE_URL).toBe(url);
  });
});
