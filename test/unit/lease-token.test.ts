import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { signLease, createLeaseVerifier, generateLeaseSecret } from '../../registry/lease-token.ts';

const req = (token?: string) => ({ headers: token === undefined ? {} : { 'x-playground-lease': token } }) as unknown as IncomingMessage;

test('a lease credential opens its own slot once, and nothing else', () => {
  const secret = generateLeaseSecret();
  const verify = createLeaseVerifier(secret);
  const token = signLease(secret, '127.77.0.1:7070', 'lease-1', 10_000);
  assert.equal(verify(req(token), '127.77.0.2:7070'), false, 'other slot');
  assert.equal(verify(req(token), '127.77.0.1:7070'), 'lease-1');
  assert.equal(verify(req(token), '127.77.0.1:7070'), false, 'replay');
});

test('missing, forged, expired and foreign-secret credentials are refused', () => {
  const secret = generateLeaseSecret();
  const verify = createLeaseVerifier(secret);
  assert.equal(verify(req(), 's'), false);
  assert.equal(verify(req('garbage'), 's'), false);
  assert.equal(verify(req(signLease(secret, 's', 'old', 1000, Date.now() - 5000)), 's'), false);
  assert.equal(verify(req(signLease(generateLeaseSecret(), 's', 'x', 1000)), 's'), false);
  const good = signLease(secret, 's', 'y', 1000);
  assert.equal(verify(req(good.slice(0, -2) + 'AA'), 's'), false);
});
