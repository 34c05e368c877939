import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameParser, FRAME_MAX_BYTES } from '../../workers/src/sandbox/sandbox-output.ts';

const frame = (id: number, payload: string | Buffer) => {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(5);
  header[0] = id;
  header.writeUInt32BE(body.length, 1);
  return Buffer.concat([header, body]);
};

/** Feeds `bytes` cut at every given offset; returns the stream of (stream, text) pieces merged per stream run. */
function parse(bytes: Buffer, cuts: number[]) {
  const parser = new FrameParser();
  const raw: Array<[string, Buffer]> = [];
  let violation: string | undefined;
  let from = 0;
  for (const to of [...cuts, bytes.length]) {
    const r = parser.push(bytes.subarray(from, to));
    for (const [stream, piece] of r.frames) {
      // Pieces may cut a character: bytes are joined per run of one stream, then decoded.
      const last = raw.at(-1);
      if (last && last[0] === stream) last[1] = Buffer.concat([last[1], piece]);
      else raw.push([stream, Buffer.from(piece)]);
    }
    violation ??= r.violation;
    from = to;
  }
  const out = raw.map(([stream, bytes]): [string, string] => [stream, bytes.toString()]);
  return { out, violation, pending: parser.pendingBytes };
}

test('frames come out in order whatever the read boundaries (headers and payloads cut anywhere)', () => {
  const bytes = Buffer.concat([frame(1, 'out 1\n'), frame(2, 'err 1\n'), frame(1, ''), frame(1, 'out 2\n'), frame(2, 'é🌍')]);
  const expected = [['stdout', 'out 1\n'], ['stderr', 'err 1\n'], ['stdout', 'out 2\n'], ['stderr', 'é🌍']];
  for (let a = 0; a <= bytes.length; a++) {
    for (const b of [a + 1, a + 3, a + 7]) {
      const cuts = [a, Math.min(b, bytes.length)].filter((x, i, all) => x <= bytes.length && (i === 0 || x > all[i - 1]!));
      const r = parse(bytes, cuts);
      assert.deepEqual(r.out, expected, `cuts ${cuts}`);
      assert.equal(r.violation, undefined);
      assert.equal(r.pending, 0);
    }
  }
});

test('a frame of the maximum size passes; a bigger length or another stream id is a violation, and nothing after it is read', () => {
  const big = Buffer.alloc(FRAME_MAX_BYTES, 120);
  assert.equal(parse(frame(1, big), [7, 40_000]).out[0]![1].length, FRAME_MAX_BYTES);
  const tooLong = Buffer.alloc(5);
  tooLong[0] = 1;
  tooLong.writeUInt32BE(FRAME_MAX_BYTES + 1, 1);
  const r = parse(Buffer.concat([frame(1, 'ok'), tooLong, frame(1, 'after')]), []);
  assert.deepEqual(r.out, [['stdout', 'ok']]);
  assert.match(r.violation!, /malformed output frame/);
  const badId = parse(Buffer.concat([frame(3, 'x'), frame(1, 'after')]), [2]);
  assert.deepEqual(badId.out, []);
  assert.match(badId.violation!, /stream 3/);
});

test('an incomplete frame at the end is reported as pending bytes', () => {
  const bytes = frame(2, 'hello');
  assert.equal(parse(bytes.subarray(0, 3), []).pending, 3);
  assert.equal(parse(bytes.subarray(0, 7), []).pending, 3);
});
