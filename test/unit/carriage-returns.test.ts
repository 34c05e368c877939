import { test } from 'node:test';
import assert from 'node:assert/strict';
import { carriageReturns } from '../../web/src/carriage-returns.ts';

test('each line keeps what follows its last carriage return; CRLF is a line end; a trailing CR waits for what comes next', () => {
  assert.deepEqual(carriageReturns('1%\r50%\r100%'), { text: '100%', clearsLine: true, dropped: '1%\r50%', endsWithCr: false });
  assert.deepEqual(carriageReturns('a\r\nb\r\n'), { text: 'a\nb\n', clearsLine: false, dropped: '', endsWithCr: false });
  assert.deepEqual(carriageReturns('x\ny\rz'), { text: 'x\nz', clearsLine: false, dropped: 'y', endsWithCr: false });
  assert.deepEqual(carriageReturns('step 3\r'), { text: 'step 3', clearsLine: false, dropped: '', endsWithCr: true });
  assert.deepEqual(carriageReturns('\r'), { text: '', clearsLine: false, dropped: '', endsWithCr: true });
  assert.deepEqual(carriageReturns('\x1b[32ma\rb'), { text: 'b', clearsLine: true, dropped: '\x1b[32ma', endsWithCr: false });
});
