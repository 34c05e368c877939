import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLeaseVerifier, generateLeaseSecret, signLease } from '../../registry/lease-token.ts';
import { createRelayProofVerifier, leaseFrameText, parseLeaseFrame, signRelayProof } from '../../registry/relay-credential.ts';

test('a relay proof opens connections to its own slot address, with the secret, until it expires', () => {
  const secret = generateLeaseSecret();
  const verify = createRelayProofVerifier([secret]);
  const proof = signRelayProof(secret, '10.0.1.10:7070', 30_000);
  assert.equal(verify(proof, '10.0.1.10:7070'), true);
  assert.equal(verify(proof, '10.0.1.10:7070'), true, 'a proof opens connections, it runs nothing: not single-use');
  assert.equal(verify(proof, '10.0.1.11:7070'), false, 'another slot');
  assert.equal(verify(signRelayProof(generateLeaseSecret(), '10.0.1.10:7070', 30_000), '10.0.1.10:7070'), false, 'another secret');
  assert.equal(verify(signRelayProof(secret, '10.0.1.10:7070', 1000, Date.now() - 5000), '10.0.1.10:7070'), false, 'expired');
  for (const bad of [undefined, '', 'garbage', proof.slice(0, -2) + 'AA', ['x'], 'a'.repeat(300)]) assert.equal(verify(bad, '10.0.1.10:7070'), false, String(bad));
  assert.equal(createRelayProofVerifier(['old', secret])(proof, '10.0.1.10:7070'), true, 'during a rotation either secret');
});

test('a lease credential is as good in a lease frame as in a handshake header, and still single-use', () => {
  const secret = generateLeaseSecret();
  const verify = createLeaseVerifier(secret);
  const token = signLease(secret, '127.77.0.1:7070', 'lease-1', 10_000);
  const frame = parseLeaseFrame(leaseFrameText(token, 'run-1'));
  assert.deepEqual(frame, { credential: token, runId: 'run-1' });
  assert.equal(verify(frame!.credential, '127.77.0.2:7070'), false, 'other slot');
  assert.equal(verify(frame!.credential, '127.77.0.1:7070'), 'lease-1');
  assert.equal(verify(frame!.credential, '127.77.0.1:7070'), false, 'replay');
});

test('anything but a lease frame is not one', () => {
  for (const text of ['', '{}', '{"type":"run","language":"javascript","code":"1"}', '{"type":"lease","lease":1,"runId":"r"}', 'null', `{"type":"lease","lease":"${'x'.repeat(2000)}","runId":"r"}`]) {
    assert.equal(parseLeaseFrame(text), undefined, text.slice(0, 60));
  }
});
