import { test } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import { handshakeResponse } from '../../server/src/ws-handshake.ts';

const request = (headers: Record<string, string>, method = 'GET') => ({ method, headers }) as unknown as http.IncomingMessage;
const valid = { upgrade: 'websocket', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' };

test('the gateway answers a WebSocket handshake as RFC 6455 says (its own example key), with no extension', () => {
  const answer = handshakeResponse(request(valid))!;
  assert.match(answer, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.match(answer, /\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n/);
  assert.doesNotMatch(answer, /Extensions/i);
  assert.ok(answer.endsWith('\r\n\r\n'));
});

test('the first subprotocol offered is chosen, as the worker\'s ws server would', () => {
  const answer = handshakeResponse(request({ ...valid, 'sec-websocket-protocol': 'playground.v2, other' }))!;
  assert.match(answer, /\r\nSec-WebSocket-Protocol: playground\.v2\r\n/);
});

test('anything that is not a valid handshake gets no 101', () => {
  assert.equal(handshakeResponse(request(valid, 'POST')), undefined);
  assert.equal(handshakeResponse(request({ ...valid, upgrade: 'h2c' })), undefined);
  assert.equal(handshakeResponse(request({ ...valid, 'sec-websocket-key': 'short' })), undefined);
  assert.equal(handshakeResponse(request({ ...valid, 'sec-websocket-version': '12' })), undefined);
  assert.equal(handshakeResponse(request({ ...valid, 'sec-websocket-protocol': 'bad protocol name' })), undefined);
});
