// The gateway's relay to worker slots (issue 14 item 8), seen from the slot's side: a real gateway
// process on the real Redis, in front of two stand-in slots served by this test (real HTTP
// servers that verify lease credentials as a worker host does and answer in the wire protocol),
// so that what arrives on each connection can be checked.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import WebSocket, { WebSocketServer } from 'ws';
import { Cluster } from '../helpers/cluster.ts';
import { runOverWs } from '../helpers/ws-client.ts';
import { getJson, waitFor } from '../helpers/playground.ts';
import { RedisRegistry } from '../../registry/redis-registry.ts';
import { RELAY_ACCEPTED, RELAY_LEASE_REFUSED, createLeaseVerifier, createRelayProofVerifier, hostProof, parseLeaseFrame } from '../../registry/index.ts';
import { LEASE_HEADER, RELAY_HEADER, RUN_ID_HEADER, encodeFrame, serverFrames } from '../../protocol/index.ts';

/** Events on the stand-in slots, in order: `seq` places a connection before or after a run. */
let seq = 0;
/** Every lease either stand-in slot saw (in a handshake or a lease frame), in order. */
const handshakes: Array<{ leaseId: string | false; runFrame?: string; viaLink?: boolean; chunksToRunFrame?: number }> = [];

interface Connection {
  acceptedAt: number;
  /** Leases (each with its credential) this connection carried. */
  handshakes: Array<{ leaseId: string | false; runFrame?: string; viaLink?: boolean; chunksToRunFrame?: number }>;
  /** Upgraded ahead of a run with the gateway's relay proof (and no lease credential). */
  upgradedAhead?: { credentialInHandshake: boolean };
}

/**
 * A slot as a worker host serves it: one verified lease per connection, one run; the lease
 * comes in the handshake, or as the first message on a connection upgraded ahead of time.
 */
class StandInSlot {
  readonly server = http.createServer((_req, res) => res.writeHead(426).end());
  readonly connections: Connection[] = [];
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  id = '';
  /** Drop the next connection opened ahead of a run as the run arrives on it (a dying worker). */
  dropNextPreopened = false;
  /** Reset the next fresh connection that carries a run before answering it (a host killed as it arrived). */
  resetNextFresh = false;
  runStartedAt = 0;

  constructor(secret: string) {
    const verify = createLeaseVerifier(secret);
    const verifyRelay = createRelayProofVerifier([secret]);
    this.server.on('connection', (socket: net.Socket) => {
      const conn: Connection = { acceptedAt: ++seq, handshakes: [] };
      this.connections.push(conn);
      (socket as net.Socket & { conn?: Connection }).conn = conn;
    });
    this.server.on('upgrade', (req, socket: net.Socket & { conn?: Connection }, head) => {
      const conn = socket.conn!;
      if (req.headers[RELAY_HEADER] !== undefined) return this.upgradeAhead(req, socket, head, conn, verify, verifyRelay);
      if (this.dropNextPreopened && conn.acceptedAt < this.runStartedAt) {
        this.dropNextPreopened = false;
        conn.handshakes.push({ leaseId: 'dropped' });
        handshakes.push({ leaseId: 'dropped' });
        return void socket.destroy();
      }
      if (this.resetNextFresh) {
        this.resetNextFresh = false;
        conn.handshakes.push({ leaseId: 'reset' });
        handshakes.push({ leaseId: 'reset' });
        return void socket.resetAndDestroy();
      }
      const leaseId = verify(req, this.id);
      const record: Connection['handshakes'][number] = { leaseId };
      conn.handshakes.push(record);
      handshakes.push(record);
      if (!leaseId) return void socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      this.wss.handleUpgrade(req, socket, head, (ws) => this.serveRun(ws, record, String(req.headers[RUN_ID_HEADER])));
    });
  }

  /** The run: its first frame is answered with `ran <code>` and an exit (`afterOutput` once the output frame is sent). */
  private serveRun(ws: WebSocket, record: Connection['handshakes'][number], runId: string, afterOutput?: () => void): void {
    ws.once('message', (data) => {
      record.runFrame = String(data);
      const { code } = JSON.parse(record.runFrame) as { code: string };
      ws.send(encodeFrame(serverFrames.started(runId, this.id, 'javascript')));
      ws.send(encodeFrame(serverFrames.output('stdout', `ran ${code}\n`)));
      afterOutput?.();
      ws.send(encodeFrame(serverFrames.exit({ code: 0, signal: null, reason: 'exit', durationMs: 1 })), () => ws.close(1000));
    });
  }

  /** A connection upgraded ahead of a run: the relay proof opens it, the lease frame is its first message. */
  private upgradeAhead(req: http.IncomingMessage, socket: net.Socket, head: Buffer, conn: Connection, verify: ReturnType<typeof createLeaseVerifier>, verifyRelay: ReturnType<typeof createRelayProofVerifier>): void {
    if (!verifyRelay(req.headers[RELAY_HEADER], this.id)) return void socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
    conn.upgradedAhead = { credentialInHandshake: req.headers[LEASE_HEADER] !== undefined };
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      // TCP reads after the upgrade: how many it took for the lease frame and the run frame to arrive.
      let chunks = 0;
      socket.prependListener('data', () => chunks++);
      ws.once('message', (data) => {
        // Every link was opened ahead of the run now written to it.
        if (this.dropNextPreopened) {
          this.dropNextPreopened = false;
          conn.handshakes.push({ leaseId: 'dropped' });
          handshakes.push({ leaseId: 'dropped' });
          return void socket.destroy();
        }
        const lease = parseLeaseFrame(String(data));
        const record: Connection['handshakes'][number] = { leaseId: lease ? verify(lease.credential, this.id) : false, viaLink: true };
        conn.handshakes.push(record);
        handshakes.push(record);
        if (!record.leaseId) return ws.close(RELAY_LEASE_REFUSED, 'lease refused');
        // As the worker host does: `accepted` leaves with the run's first frames, in one write
        // (the gateway hands what follows its answer to the client itself, exactly once).
        socket.cork();
        ws.send(RELAY_ACCEPTED);
        this.serveRun(ws, record, lease!.runId, () => socket.uncork());
        ws.once('message', () => (record.chunksToRunFrame = chunks));
      });
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.id = `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
}

const cluster = new Cluster();
const slots = [new StandInSlot(cluster.secret), new StandInSlot(cluster.secret)];
let host: RedisRegistry | undefined;
let gateway: { httpUrl: string; wsUrl: string } | undefined;
after(async () => {
  await host?.removeHost('standin');
  await host?.close();
  await cluster.stop();
  for (const s of slots) s.server.close();
});

async function startCluster(): Promise<{ httpUrl: string; wsUrl: string }> {
  for (const s of slots) await s.listen();
  host = await RedisRegistry.connect(cluster.redisUrl, pino({ level: 'silent' }), 100, cluster.prefix);
  // The gateway leases only to hosts that prove they hold its lease secret.
  const proof = hostProof([cluster.secret], 'standin');
  host.keepAlive('standin', () => ({ leaseProof: proof, sandbox: 'bwrap' }));
  await host.registerSlots(slots.map((s) => ({ id: s.id, address: s.id, hostId: 'standin' })));
  for (const s of slots) await host.markReady(s.id);
  const gw = await cluster.gateway({ PLAYGROUND_MAX_CONCURRENT_PER_CLIENT: '8' });
  await cluster.waitIdle(gw.httpUrl, 2);
  gateway = gw;
  return gw;
}

async function run(wsUrl: string, n: number): Promise<void> {
  const mark = ++seq;
  for (const s of slots) s.runStartedAt = mark;
  const r = await runOverWs(wsUrl, { type: 'run', language: 'javascript', code: `step${n}` });
  assert.equal(r.stdout, `ran step${n}\n`, JSON.stringify(r.messages));
  assert.equal(r.exit?.reason, 'exit');
}

test('runs are relayed over connections opened ahead of time; each connection carries one handshake with its own verified credential', { timeout: 120_000 }, async () => {
  const { wsUrl } = await startCluster();
  const starts: number[] = [];
  for (let i = 0; i < 6; i++) {
    starts.push(seq + 1);
    await run(wsUrl, i);
  }
  const all = slots.flatMap((s) => s.connections);
  assert.equal(handshakes.length, 6, 'one handshake per run');
  for (const c of all) assert.ok(c.handshakes.length <= 1, 'a connection never serves a second lease');
  for (const h of handshakes) assert.ok(h.leaseId, 'every handshake carried a valid credential for its slot');
  assert.equal(new Set(handshakes.map((h) => h.leaseId)).size, 6, 'one lease per run');
  assert.deepEqual(handshakes.map((h) => JSON.parse(h.runFrame!).code).sort(), ['step0', 'step1', 'step2', 'step3', 'step4', 'step5']);
  // The registry names the next idle slot with each lease: from the second run on, the slot's
  // connection was there before the client connected.
  const preopened = all.filter((c) => c.handshakes.length === 1 && starts.some((s, i) => i > 0 && c.acceptedAt < s && c.acceptedAt > starts[i - 1]!));
  assert.ok(preopened.length >= 1, 'some run went over a connection opened ahead of it');
  // Connections opened ahead are upgraded ahead, with the gateway's proof alone; a run's own
  // credential is their first message, and they carry nothing else.
  const ahead = all.filter((c) => c.upgradedAhead);
  assert.ok(ahead.filter((c) => c.handshakes.length === 1).length >= 4, 'most runs went over a connection upgraded ahead of them');
  for (const c of ahead) {
    assert.equal(c.upgradedAhead!.credentialInHandshake, false, 'upgraded without a lease credential');
    assert.ok(c.handshakes.every((h) => h.viaLink), 'the lease came as the first message');
  }
  // The lease frame waits (a few ms at most) for the client's run frame: one write, one wake-up of the worker host.
  const viaLink = handshakes.filter((h) => h.viaLink);
  assert.ok(viaLink.filter((h) => h.chunksToRunFrame === 1).length >= viaLink.length - 1, `lease and run frame in one read: ${JSON.stringify(viaLink.map((h) => h.chunksToRunFrame))}`);
});

test('a connection opened ahead that dies as the run is written to it: the run goes through on a fresh one, the client\'s frames replayed', { timeout: 60_000 }, async () => {
  const { wsUrl } = gateway!;
  for (const s of slots) s.dropNextPreopened = true;
  const before = handshakes.length;
  await run(wsUrl, 100);
  await run(wsUrl, 101);
  const later = handshakes.slice(before);
  assert.ok(later.some((h) => h.leaseId === 'dropped'), 'a connection opened ahead was dropped as the run arrived');
  const served = later.filter((h) => h.leaseId !== 'dropped');
  assert.equal(served.length, 2, 'both runs were served');
  for (const h of served) assert.ok(h.leaseId && h.runFrame, 'with a valid credential and the run frame');
});

test('a client queued for a slot has its handshake answered at once; when it leaves, its place in the queue is given up', { timeout: 60_000 }, async () => {
  const { httpUrl, wsUrl } = gateway!;
  // Both slots held (the stand-ins answer only after the `run` frame: these never send one).
  const holders = [new WebSocket(wsUrl), new WebSocket(wsUrl)];
  await waitFor('both slots leased', async () => ((await getJson(`${httpUrl}/healthz`)).body.slots?.idle === 0 ? true : undefined), 10_000);
  const queued = new WebSocket(wsUrl);
  await new Promise<void>((resolve, reject) => {
    queued.once('open', () => resolve());
    queued.once('error', reject);
  });
  await waitFor('the queued client waits', async () => ((await getJson(`${httpUrl}/healthz`)).body.waiting === 1 ? true : undefined), 10_000);
  queued.terminate();
  await waitFor('its place given up', async () => ((await getJson(`${httpUrl}/healthz`)).body.waiting === 0 ? true : undefined), 10_000);
  for (const h of holders) h.terminate();
  await cluster.waitIdle(httpUrl, 2);
});

test('a slot whose connection is reset before it answers (its host killed as the run arrived): the run is leased elsewhere, the client never knows', { timeout: 60_000 }, async () => {
  const { wsUrl } = gateway!;
  // The run's connection opened ahead dies, and the fresh one it is retried on is reset.
  for (const s of slots) {
    s.dropNextPreopened = true;
    s.resetNextFresh = true;
  }
  const before = handshakes.length;
  await run(wsUrl, 200);
  const later = handshakes.slice(before);
  assert.ok(later.some((h) => h.leaseId === 'reset'), `a fresh connection was reset: ${JSON.stringify(later)}`);
  for (const s of slots) {
    s.dropNextPreopened = false;
    s.resetNextFresh = false;
  }
});
