// Configuration: every variable of the contract, its defaults, and clear refusals of bad values.
import { describe, expect, it } from 'vitest';
import { ConfigError, isLoopback, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('applies the contract defaults', () => {
    expect(loadConfig({})).toMatchObject({
      PORT: 4000,
      HOST: '127.0.0.1',
      DATABASE_URL: './data/quotes.db',
      WORKER_CONCURRENCY: 4,
      MAX_QUEUE_SIZE: 1000,
      RETENTION_HOURS: 24,
      ALLOW_FAULT_INJECTION: false,
      PROCESSING_DELAY_MS: 0,
      RETRY_BACKOFF_MS: 1000,
      PRIORITY_AGING_SECONDS: 0,
      DATABASE_POOL_SIZE: 10,
      WARM_UP_MS: 3000,
      WORKER_PROCESS: true,
      WORKER_NICE: 10,
    });
    expect(loadConfig({ WARM_UP_MS: '0' }).WARM_UP_MS).toBe(0);
    // The worker in a child process by default; in the API process with :memory: (one process's database) or when
    // asked, and refused in a child with :memory:.
    expect(loadConfig({ DATABASE_URL: ':memory:' }).WORKER_PROCESS).toBe(false);
    expect(loadConfig({ WORKER_PROCESS: 'false' }).WORKER_PROCESS).toBe(false);
    expect(() => loadConfig({ DATABASE_URL: ':memory:', WORKER_PROCESS: 'true' })).toThrow(/not :memory:/);
    const c = loadConfig({});
    expect([c.REDIS_URL, c.API_KEYS, c.RATE_LIMIT_PER_SECOND]).toEqual([undefined, undefined, undefined]);
  });

  it.each([
    ['MAX_QUEUE_SIZE', 'abc', /MAX_QUEUE_SIZE="abc": expected a whole number from 1 to/],
    ['PORT', '70000', /PORT="70000": expected a whole number from 0 to 65535/],
    ['WORKER_CONCURRENCY', '-1', /WORKER_CONCURRENCY="-1"/],
    ['ALLOW_FAULT_INJECTION', 'maybe', /ALLOW_FAULT_INJECTION="maybe": expected true or false/],
    ['API_KEYS', 'k1:superuser', /API_KEYS=.*role one of submitter, reviewer, admin/],
    ['REDIS_URL', 'localhost:6379', /REDIS_URL=.*redis:\/\//],
    ['DATABASE_POOL_SIZE', '0', /DATABASE_POOL_SIZE="0": expected a whole number from 1 to 1000/],
    ['WARM_UP_MS', '-1', /WARM_UP_MS="-1": expected a whole number from 0 to 600000/],
    ['WORKER_NICE', '20', /WORKER_NICE="20": expected a whole number from 0 to 19/],
  ])('refuses %s=%s naming the variable and what it accepts', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('parses API keys with roles and optional names, and then limits rate at 200/s by default', () => {
    const c = loadConfig({ API_KEYS: 'k1:submitter, k2:reviewer:Rita ,k3:admin:ops', HOST: '0.0.0.0' });
    expect(c.API_KEYS).toEqual([
      { key: 'k1', role: 'submitter', name: undefined },
      { key: 'k2', role: 'reviewer', name: 'Rita' },
      { key: 'k3', role: 'admin', name: 'ops' },
    ]);
    expect(c.RATE_LIMIT_PER_SECOND).toBe(200);
  });

  it('names a bad API_KEYS entry by its position and never shows a key', () => {
    const secrets = ['s3cret-alpha-key', 's3cret-beta-key', 's3cret-gamma-key'];
    const cases: [string, RegExp][] = [
      [`${secrets[0]}:submitter,${secrets[1]}:superuser,${secrets[2]}:admin`, /entry 2 of 3: its role/],
      [`${secrets[0]}:admin,${secrets[1]}`, /entry 2 of 2: it has no role/],
      [`${secrets[0]}:admin:ops:extra`, /entry 1 of 1: it has more than three parts/],
      [':admin', /entry 1 of 1: the key is empty/],
    ];
    for (const [value, message] of cases) {
      let error: unknown;
      try {
        loadConfig({ API_KEYS: value });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const text = String((error as Error).message);
      expect(text).toMatch(message);
      expect(text).toMatch(/API_KEYS=\(value not shown\)/);
      for (const secret of secrets) expect(text).not.toContain(secret);
      expect(text).not.toContain('s3cret');
    }
  });

  it('caps subscriptions per key at 1000 with keys and not in open mode; maxConnections defaults to 10,000', () => {
    expect(loadConfig({ API_KEYS: 'k:admin' })).toMatchObject({ MAX_SUBSCRIPTIONS_PER_KEY: 1000 });
    expect(loadConfig({})).toMatchObject({ MAX_SUBSCRIPTIONS_PER_KEY: undefined, MAX_CONNECTIONS: 10_000 });
    expect(loadConfig({ MAX_ACTIVE_PER_OWNER: '5' })).toMatchObject({ MAX_ACTIVE_PER_OWNER: 5 });
    expect(loadConfig({}).MAX_ACTIVE_PER_OWNER).toBeUndefined();
    expect(() => loadConfig({ MAX_ACTIVE_PER_OWNER: '0' })).toThrow(/MAX_ACTIVE_PER_OWNER="0"/);
  });

  it('refuses open mode on a non-loopback HOST and allows it on loopback', () => {
    expect(() => loadConfig({ HOST: '0.0.0.0' })).toThrow(/Refusing to start in open mode on HOST=0.0.0.0/);
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]'])
      expect(isLoopback(host)).toBe(true);
    for (const host of ['0.0.0.0', '10.0.0.1', 'example.com', '::']) expect(isLoopback(host)).toBe(false);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', MAX_QUEUE_SIZE: '' })).toMatchObject({ PORT: 4000, MAX_QUEUE_SIZE: 1000 });
  });

  it('takes the OTLP encoding from the standard variables, the traces one first, protobuf by default', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };
    expect(loadConfig(endpoint).OTEL_EXPORTER_OTLP_TRACES_PROTOCOL).toBe('http/protobuf');
    expect(
      loadConfig({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })
        .OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,
    ).toBe('http/json');
    expect(
      loadConfig({
        ...endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      }).OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,
    ).toBe('http/protobuf');
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/xml' })).toThrow(
      /OTEL_EXPORTER_OTLP_PROTOCOL="http\/xml": expected http\/protobuf or http\/json/,
    );
  });

  it('refuses grpc when traces would be exported, and ignores it when they would not', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317' };
    expect(() => loadConfig({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(
      /OTEL_EXPORTER_OTLP_PROTOCOL=grpc: this service exports traces over OTLP\/HTTP only/,
    );
    expect(() =>
      loadConfig({
        ...endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc',
      }),
    ).toThrow(/OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=grpc/);
    expect(loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
  });
});
