// A slot connection upgraded ahead of its run (registry/relay-credential.ts) on a real worker
// host: the gateway's relay proof opens it but runs nothing; only a valid, unused lease frame
// as its first message turns it into a run, and every other first message closes it unread.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startPlayground, type Playground } from '../helpers/playground.ts';
import { runOverWs } from '../helpers/ws-client.ts';
import { signLease } from '../../registry/lease-token.ts';
import { leaseFrameText, signRelayProof } from '../../registry/relay-credential.ts';
import { RELAY_HEADER } from '../../protocol/index.ts';

const SECRET = 'relay-link-secret-0123456789abcdef';
const RUN = JSON.stringify({ type: 'run', language: 'javascript', code: "console.log('R' + 'AN')" });
let pg: Playground;
before(async () => {
  pg = await startPlayground({ slots: 2, env: { PLAYGROUND_LEASE_SECRET: SECRET } });
});
after(async () => {
  await pg?.stop();
});

/** Upgrades a link to `slot` with `proof`: the open socket, or the HTTP status it was refused with. */
function link(slot: string, proof: string): Promise<WebSocket | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://${slot}/`, { headers: { [RELAY_HEADER]: proof }, perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => resolve(-1));
  });
}

/** Sends `frames` on an open link; everything it answers, and its close code. */
function talk(ws: WebSocket, frames: string[]): Promise<{ messages: string[]; code: number }> {
  return new Promise((resolve) => {
    const messages: string[] = [];
    ws.on('message', (d) => messages.push(String(d)));
    ws.once('close', (code) => resolve({ messages, code }));
    for (const f of frames) ws.send(f);
  });
}

test('an upgrade without a proof of the lease secret for that slot is refused', async () => {
  const [slot, other] = pg.slots as [string, string];
  assert.equal(await link(slot, signRelayProof('another-secret', slot, 30_000)), 403, 'another secret');
  assert.equal(await link(slot, signRelayProof(SECRET, other, 30_000)), 403, 'proof for another slot');
  assert.equal(await link(slot, signRelayProof(SECRET, slot, 1000, Date.now() - 5000)), 403, 'expired');
  assert.equal(await link(slot, 'forged.9999999999999.AAAA'), 403, 'forged');
});

test('an upgraded link runs nothing unless its first message is a valid, unused lease frame', async () => {
  const slot = pg.slots[0]!;
  const open = async () => {
    const ws = await link(slot, signRelayProof(SECRET, slot, 30_000));
    assert.ok(ws instanceof WebSocket, `upgraded (got ${String(ws)})`);
    return ws;
  };
  // The run frame first: no lease, nothing runs.
  const bare = await talk(await open(), [RUN]);
  assert.deepEqual(bare, { messages: [], code: 1008 });
  // A forged credential, and one for the other slot.
  for (const credential of [signLease('another-secret', slot, 'lease-a', 30_000), signLease(SECRET, pg.slots[1]!, 'lease-b', 30_000), 'garbage']) {
    assert.deepEqual(await talk(await open(), [leaseFrameText(credential, 'run-x'), RUN]), { messages: [], code: 1008 }, credential);
  }
  // A valid one: `accepted`, then the run as over any slot connection.
  const credential = signLease(SECRET, slot, 'lease-ok', 30_000);
  const served = await talk(await open(), [leaseFrameText(credential, 'run-ok'), RUN]);
  assert.equal(served.messages[0], 'accepted');
  const frames = served.messages.slice(1).map((m) => JSON.parse(m) as { type: string; data?: string; reason?: string; runId?: string });
  assert.equal(frames.find((f) => f.type === 'started')?.runId, 'run-ok');
  assert.equal(frames.filter((f) => f.type === 'stdout').map((f) => f.data).join(''), 'RAN\n');
  assert.equal(frames.at(-1)?.reason, 'exit');
  // The same credential again, on a new link: refused (single use).
  await waitIdle(slot);
  assert.deepEqual(await talk(await open(), [leaseFrameText(credential, 'run-again'), RUN]), { messages: [], code: 1008 }, 'replayed');
  // And the playground still serves runs.
  const r = await runOverWs(pg.wsUrl, JSON.parse(RUN));
  assert.equal(r.stdout, 'RAN\n');
});

/** The slot has its fresh sandbox again (its HTTP side says so). */
async function waitIdle(slot: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const body = (await (await fetch(`http://${slot}/healthz`)).json()) as { state: string };
    if (body.state === 'idle') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${slot} never became idle`);
}
