import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { StdinRelay } from '../../workers/src/stdin-relay.ts';

/** A pipe that records writes; with `hold`, it takes one write and then needs a drain. */
function pipe(hold = false) {
  const writes: string[] = [];
  let release: (() => void) | undefined;
  const stream = new Writable({
    highWaterMark: 1,
    decodeStrings: false,
    write(chunk: string, _enc, cb) {
      writes.push(chunk);
      if (hold) release = cb;
      else cb();
    },
  });
  let ended = false;
  stream.on('finish', () => (ended = true));
  return { stream, writes, ended: () => ended, release: () => release?.() };
}

const tick = () => new Promise((r) => setImmediate(r));

test('input before the hand-off waits, and goes after the run stdin, in order, EOF included', async () => {
  const relay = new StdinRelay(100);
  relay.accept('first ');
  assert.equal(relay.write('a'), true);
  relay.end();
  assert.equal(relay.write('b'), true, 'still counted: the hand-off decides');
  const p = pipe();
  relay.handOff(p.stream, 'first ');
  await tick();
  assert.deepEqual(p.writes, ['first ', 'a']);
  assert.equal(p.ended(), true);
  assert.equal(relay.write('late'), true);
  assert.deepEqual(p.writes, ['first ', 'a'], 'after EOF input is dropped');
  assert.throws(() => relay.handOff(p.stream, ''), /already handed off/);
});

test('every byte counts against the cap, the run stdin included; beyond it the input waiting is dropped', async () => {
  const relay = new StdinRelay(10);
  relay.accept('12345');
  assert.equal(relay.write('678'), true);
  assert.equal(relay.write('€'), false, '3 more bytes would make 11');
  const p = pipe();
  relay.handOff(p.stream, '12345');
  await tick();
  assert.deepEqual(p.writes, ['12345'], 'the queued frame was dropped with the overflow');
});

test('a program that is not reading gets its backlog as one write once the pipe drains, then EOF', async () => {
  const relay = new StdinRelay(100);
  const p = pipe(true);
  relay.handOff(p.stream, '');
  relay.write('a');
  relay.write('b');
  relay.write('c');
  relay.end();
  await tick();
  assert.deepEqual(p.writes, ['a']);
  assert.equal(p.ended(), false, 'EOF follows the backlog');
  p.release();
  await tick();
  p.release();
  await tick();
  assert.deepEqual(p.writes, ['a', 'bc']);
  assert.equal(p.ended(), true);
});
