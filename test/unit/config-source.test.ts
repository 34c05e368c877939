import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSource, unknownSettings } from '../../protocol/config-source.ts';
import { loadGatewayConfig } from '../../server/src/config.ts';
import { loadWorkerHostConfig } from '../../workers/src/config.ts';

test('PLAYGROUND_* env vars and --flags merge; flags win; other env is ignored', () => {
  const s = configSource({ PLAYGROUND_PORT: '1', HOME: '/root', PLAYGROUND_HOST: '0.0.0.0' }, ['--port=2', '--queue-wait-ms', '5', '--unsafe-no-sandbox']);
  assert.deepEqual(s, { PLAYGROUND_PORT: '2', PLAYGROUND_HOST: '0.0.0.0', PLAYGROUND_QUEUE_WAIT_MS: '5', PLAYGROUND_UNSAFE_NO_SANDBOX: 'true' });
});

test('contract defaults with zero configuration; the result is frozen', () => {
  const g = loadGatewayConfig({});
  assert.equal(g.host, '127.0.0.1');
  assert.equal(g.port, 8080);
  assert.equal(g.redisUrl, undefined);
  assert.ok(Object.isFrozen(g));
  const w = loadWorkerHostConfig({});
  assert.equal(w.addresses.length, 16);
  assert.equal(w.addresses[0], '127.77.0.1');
  assert.equal(w.addresses[15], '127.77.0.16');
  assert.equal(w.port, 7070);
  assert.deepEqual(
    { t: w.limits.timeoutMs, m: w.limits.memoryMb, o: w.limits.maxOutputBytes, c: w.limits.maxCodeBytes, s: w.limits.maxStdinBytes, p: w.limits.maxProcesses },
    { t: 10_000, m: 256, o: 1024 * 1024, c: 256 * 1024, s: 1024 * 1024, p: 64 },
  );
  assert.ok(Object.isFrozen(w) && Object.isFrozen(w.limits));
});

test('every problem is reported at once', () => {
  assert.throws(
    () => loadWorkerHostConfig({ PLAYGROUND_TIMEOUT_MS: '70000', PLAYGROUND_WORKER_PORT: '-1', PLAYGROUND_WORKER_ADDRESSES: 'x', PLAYGROUND_UNSAFE_NO_SANDBOX: 'maybe' }),
    (err: Error) =>
      ['PLAYGROUND_TIMEOUT_MS', 'PLAYGROUND_WORKER_PORT', 'PLAYGROUND_WORKER_ADDRESSES', 'PLAYGROUND_UNSAFE_NO_SANDBOX'].every((k) => err.message.includes(k)),
  );
  assert.throws(() => loadGatewayConfig({ PLAYGROUND_PORT: 'x', PLAYGROUND_REDIS_URL: 'http://nope' }), /PLAYGROUND_PORT[\s\S]*PLAYGROUND_REDIS_URL/);
  // Checks that used to wait for the rest to pass (operator probe): the slots beside the
  // addresses, and what a gateway on its own needs.
  assert.throws(
    () => loadWorkerHostConfig({ PLAYGROUND_PORT: 'x', PLAYGROUND_WORKER_SLOTS: '5', PLAYGROUND_WORKER_ADDRESSES: '127.77.9.1-127.77.9.3' }),
    (err: Error) => err.message.includes('PLAYGROUND_PORT') && /PLAYGROUND_WORKER_SLOTS: asks for 5 slots/.test(err.message),
  );
  assert.throws(
    () => loadGatewayConfig({ PLAYGROUND_PORT: '99999' }, { standalone: true }),
    (err: Error) => ['PLAYGROUND_PORT', 'PLAYGROUND_REDIS_URL', 'PLAYGROUND_LEASE_SECRET'].every((k) => err.message.includes(k)),
  );
  assert.doesNotThrow(() => loadGatewayConfig({ PLAYGROUND_REDIS_URL: 'redis://127.0.0.1:6379', PLAYGROUND_LEASE_SECRET: 'a-secret-of-16-chars' }, { standalone: true }));
  assert.doesNotThrow(() => loadGatewayConfig({}), 'the all-in-one needs neither');
  // A worker host on its own likewise: a bad timeout was reported, the missing Redis and lease
  // secret only on the next attempt (a contract probe).
  assert.throws(
    () => loadWorkerHostConfig({ PLAYGROUND_TIMEOUT_MS: '60001' }, { standalone: true }),
    (err: Error) => ['PLAYGROUND_TIMEOUT_MS', 'PLAYGROUND_REDIS_URL', 'PLAYGROUND_LEASE_SECRET'].every((k) => err.message.includes(k)),
  );
  assert.doesNotThrow(() => loadWorkerHostConfig({ PLAYGROUND_REDIS_SENTINELS: '127.0.0.1:26379', PLAYGROUND_REDIS_SENTINEL_NAME: 'pg', PLAYGROUND_LEASE_SECRET: 'a-secret-of-16-chars' }, { standalone: true }));
  assert.doesNotThrow(() => loadWorkerHostConfig({}), 'the all-in-one needs neither');
});

test('unknownSettings names each PLAYGROUND_* that is no setting, with the nearest real one', () => {
  const known = ['PLAYGROUND_API_KEYS', 'PLAYGROUND_PORT', 'PLAYGROUND_HOST'];
  const source = configSource({ PLAYGROUND_API_KEY: 'k', PLAYGROUND_PORT: '1', PLAYGROUND_ZZZZZZZZZZ: 'x' }, ['--prot=8080']);
  assert.deepEqual(unknownSettings(source, known), [
    'PLAYGROUND_API_KEY is not a setting (did you mean PLAYGROUND_API_KEYS?); it is ignored',
    'PLAYGROUND_PROT is not a setting (did you mean PLAYGROUND_PORT?); it is ignored',
    'PLAYGROUND_ZZZZZZZZZZ is not a setting; it is ignored',
  ]);
  assert.deepEqual(unknownSettings(configSource({ PLAYGROUND_PORT: '1' }, []), known), []);
});

test('every PLAYGROUND_* name the service\'s code reads is a setting of the gateway or the worker host (the all-in-one warns about the rest)', async () => {
  const { readdirSync, readFileSync, statSync } = await import('node:fs');
  const path = await import('node:path');
  const { GATEWAY_SETTINGS } = await import('../../server/src/config.ts');
  const { WORKER_HOST_SETTINGS } = await import('../../workers/src/config.ts');
  const root = new URL('../../', import.meta.url).pathname;
  const files = (dir: string): string[] => readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|cjs)$/.test(n) ? [p] : [];
  });
  const read = new Set<string>();
  for (const f of ['server', 'workers', 'registry', 'protocol'].flatMap((d) => files(path.join(root, d))).concat(path.join(root, 'main.ts'))) {
    for (const m of readFileSync(f, 'utf8').matchAll(/PLAYGROUND_[A-Z0-9_]*[A-Z0-9]/g)) read.add(m[0]);
  }
  const known = new Set([...GATEWAY_SETTINGS, ...WORKER_HOST_SETTINGS]);
  assert.deepEqual([...read].filter((n) => !known.has(n)).sort(), []);
});

test('SETTING_NAMES (what a standalone gateway or worker host knows of the other) is exactly the union of both processes\' settings', async () => {
  const { SETTING_NAMES } = await import('../../protocol/setting-names.ts');
  const { GATEWAY_SETTINGS } = await import('../../server/src/config.ts');
  const { WORKER_HOST_SETTINGS } = await import('../../workers/src/config.ts');
  assert.deepEqual([...SETTING_NAMES].sort(), [...new Set([...GATEWAY_SETTINGS, ...WORKER_HOST_SETTINGS])].sort());
  assert.equal(new Set(SETTING_NAMES).size, SETTING_NAMES.length, 'no name twice');
});
