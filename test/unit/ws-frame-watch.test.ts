import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CloseFrameWatcher, serverTextFrame, serverCloseFrame } from '../../server/src/ws-frame-watch.ts';

/** A text frame with a 64-bit payload length (serverTextFrame builds only the shorter forms). */
function textFrame64(text: string): Buffer {
  const payload = Buffer.from(text);
  const head = Buffer.alloc(10);
  head[0] = 0x81;
  head[1] = 127;
  head.writeBigUInt64BE(BigInt(payload.length), 2);
  return Buffer.concat([head, payload]);
}

test('finds a close frame after text frames of every length encoding, split at every byte', () => {
  const stream = Buffer.concat([
    serverTextFrame('{"type":"stdout","data":"hi"}'),
    serverTextFrame('x'.repeat(300)),
    serverTextFrame('y'.repeat(60_000)), // 16-bit length
    textFrame64('z'.repeat(70_000)), // 64-bit length
    serverCloseFrame(1000, 'run ended'),
  ]);
  for (const size of [1, 2, 3, 7, 13, 64, 1000, stream.length]) {
    const w = new CloseFrameWatcher();
    for (let i = 0; i < stream.length; i += size) w.push(stream.subarray(i, i + size));
    assert.equal(w.sawClose, true, `chunk size ${size}`);
  }
});

test('text containing 0x88 bytes is not mistaken for a close frame', () => {
  const w = new CloseFrameWatcher();
  const tricky = serverTextFrame(Buffer.from([0x88, 0x02, 0x03, 0xe8]).toString('latin1').repeat(50));
  for (let i = 0; i < tricky.length; i += 5) w.push(tricky.subarray(i, i + 5));
  assert.equal(w.sawClose, false);
});

test('reads the exit frame on the way (split at every byte); output that looks like one is not taken for it', () => {
  const exit = '{"type":"exit","code":null,"signal":"SIGKILL","reason":"timeout","durationMs":401,"cpuMs":398}';
  const stream = Buffer.concat([
    serverTextFrame('{"type":"stdout","data":"{\\"type\\":\\"exit\\",\\"reason\\":\\"memory\\"}"}'),
    serverTextFrame('x'.repeat(300)),
    serverTextFrame(exit),
    serverCloseFrame(1000, 'run ended'),
  ]);
  for (const size of [1, 2, 3, 7, 13, 14, 15, 64, stream.length]) {
    const w = new CloseFrameWatcher();
    for (let i = 0; i < stream.length; i += size) w.push(stream.subarray(i, i + size));
    assert.deepEqual(w.exit, { reason: 'timeout', code: null, signal: 'SIGKILL' }, `chunk size ${size}`);
    assert.equal(w.sawClose, true);
  }
  const none = new CloseFrameWatcher();
  none.push(Buffer.concat([serverTextFrame('{"type":"stdout","data":"hi"}'), serverCloseFrame(1000, 'run ended')]));
  assert.equal(none.exit, undefined);
});
