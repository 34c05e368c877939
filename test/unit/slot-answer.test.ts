import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SlotAnswerReader } from '../../server/src/slot-answer.ts';

const OK_101 = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n';
const accepted = Buffer.from([0x81, 8, ...Buffer.from('accepted')]);
const output = Buffer.from([0x81, 3, ...Buffer.from('abc')]);
const close = (code: number) => Buffer.from([0x88, 2 + 5, code >> 8, code & 0xff, ...Buffer.from('lease')]);

test('a fresh connection: the 101, then everything is the client\'s', () => {
  const r = new SlotAnswerReader(true, false);
  assert.equal(r.started, false);
  assert.deepEqual(r.push(Buffer.from(OK_101.slice(0, 20))), { kind: 'more' });
  assert.equal(r.started, true);
  const got = r.push(Buffer.concat([Buffer.from(OK_101.slice(20)), output]));
  assert.equal(got.kind, 'open');
  assert.deepEqual(got.kind === 'open' && [...got.rest], [...output]);
  assert.deepEqual(new SlotAnswerReader(true, false).push(Buffer.from('HTTP/1.1 403 Forbidden\r\n\r\n')), { kind: 'refused', status: 403 });
});

test('an upgraded link: `accepted` (in any pieces), then the run\'s frames', () => {
  const r = new SlotAnswerReader(false, true);
  assert.deepEqual(r.push(accepted.subarray(0, 1)), { kind: 'more' });
  assert.deepEqual(r.push(accepted.subarray(1, 5)), { kind: 'more' });
  const got = r.push(Buffer.concat([accepted.subarray(5), output]));
  assert.equal(got.kind, 'open');
  assert.deepEqual(got.kind === 'open' && [...got.rest], [...output]);
});

test('an upgraded link taken before its own 101 had arrived: the rest of the 101, then `accepted`', () => {
  const r = new SlotAnswerReader(true, true, Buffer.from(OK_101.slice(0, 30)));
  assert.equal(r.started, false, 'what the pool read before does not count as an answer to the run');
  assert.deepEqual(r.push(Buffer.from(OK_101.slice(30))), { kind: 'more' });
  assert.equal(r.started, false, 'nor does the rest of the link\'s own 101: a link that breaks now is stale, and the run goes to a fresh connection');
  assert.deepEqual(r.push(accepted.subarray(0, 3)), { kind: 'more' });
  assert.equal(r.started, true);
  assert.deepEqual(r.push(accepted.subarray(3)), { kind: 'open', rest: Buffer.alloc(0) });
});

test('a refused lease frame is a refusal with the status it stands for; anything else is broken', () => {
  assert.deepEqual(new SlotAnswerReader(false, true).push(close(1008)), { kind: 'refused', status: 403 });
  assert.deepEqual(new SlotAnswerReader(false, true).push(close(1013)), { kind: 'refused', status: 409 });
  assert.deepEqual(new SlotAnswerReader(false, true).push(close(1001)), { kind: 'refused', status: 0 });
  assert.equal(new SlotAnswerReader(false, true).push(output).kind, 'broken', 'output before `accepted`');
  assert.equal(new SlotAnswerReader(false, true).push(Buffer.from([0x81, 8, 0x62])).kind, 'broken', 'not a prefix of `accepted`');
});
