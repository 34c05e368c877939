import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { ChannelEnd } from '../../registry/local-channel.ts';

const tick = () => new Promise((r) => setImmediate(r));

/** What one end saw, in order. */
function record(end: ChannelEnd): string[] {
  const seen: string[] = [];
  end.on('open', () => seen.push('open'));
  end.on('message', (data: Buffer, isBinary: boolean) => seen.push(`${isBinary ? 'bin' : 'text'}:${data.toString()}`));
  end.on('refused', (status: number) => seen.push(`refused:${status}`));
  end.on('close', (code: number) => seen.push(`close:${code}`));
  return seen;
}

test('frames wait for the worker host to take the run, then arrive in order, one macrotask later', async () => {
  const { client, server } = ChannelEnd.pair();
  const c = record(client);
  assert.equal(client.readyState, client.CONNECTING);
  client.send('too early');
  await tick();
  assert.deepEqual(c, []);
  server.accept();
  assert.equal(client.readyState, client.OPEN);
  const s = record(server);
  await once(client, 'open');
  client.send('run');
  client.send(Buffer.from('stdin'));
  assert.deepEqual(s, [], 'never delivered inside send()');
  await tick();
  await tick();
  assert.deepEqual(s, ['text:run', 'text:stdin']);
});

test('a close is delivered after every frame sent before it; both ends then close once', async () => {
  const { client, server } = ChannelEnd.pair();
  server.accept();
  const c = record(client);
  await once(client, 'open');
  const sent: string[] = [];
  server.send('out 1', () => sent.push('1'));
  server.send('exit', () => sent.push('2'));
  server.close(1000, 'done');
  server.send('after close');
  await once(server, 'close');
  await tick();
  assert.deepEqual(c, ['open', 'text:out 1', 'text:exit', 'close:1000']);
  assert.deepEqual(sent, ['1', '2'], 'send callbacks run once delivered (the session paces output by them)');
  assert.equal(server.readyState, server.CLOSED);
  server.close();
  server.terminate();
  await tick();
  assert.equal(c.filter((x) => x.startsWith('close')).length, 1);
});

test('a paused end holds its frames until resumed', async () => {
  const { client, server } = ChannelEnd.pair();
  server.accept();
  const s = record(server);
  await once(client, 'open');
  server.pause();
  client.send('a');
  client.send('b');
  await tick();
  await tick();
  assert.deepEqual(s, []);
  server.resume();
  await tick();
  assert.deepEqual(s, ['text:a', 'text:b']);
});

test('terminate drops what was not delivered and closes both ends at once', async () => {
  const { client, server } = ChannelEnd.pair();
  server.accept();
  const s = record(server);
  const c = record(client);
  await once(client, 'open');
  client.send('lost');
  client.terminate();
  assert.equal(server.readyState, server.CLOSED);
  await tick();
  await tick();
  assert.deepEqual(s, ['close:1006']);
  assert.deepEqual(c, ['open', 'close:1006']);
  let error: Error | undefined;
  client.send('x', (err) => (error = err));
  await tick();
  assert.ok(error, 'a send on a closed end reports it');
});

test('a refused run: the client end hears the status and closes, never opens', async () => {
  const { client, server } = ChannelEnd.pair();
  const c = record(client);
  server.refuse(409);
  await tick();
  assert.deepEqual(c, ['refused:409', 'close:1006']);
  server.accept();
  await tick();
  assert.deepEqual(c, ['refused:409', 'close:1006']);
});
