import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { randomUUID } from 'node:crypto';
import { RELAY_HEADER, answerPings } from '../../protocol/index.ts';
import { MAX_LEASE_FRAME_BYTES, RELAY_ACCEPTED, RELAY_LEASE_REFUSED, RELAY_SLOT_BUSY, parseLeaseFrame } from '../../registry/index.ts';
import type { TurnBudget } from './turn-budget.ts';
import type { Slot } from './slot.ts';

/** What the worker host lends a link: its checks, its WebSocket server, and how a run is served. */
export interface RelayLinkHost {
  readonly wss: WebSocketServer;
  readonly budget: TurnBudget;
  /** Whether a gateway's relay proof is valid for the slot advertised at `address`. */
  verifyRelay(proof: unknown, address: string): boolean;
  /** The lease id of a valid, unused lease credential for `slotId`; false otherwise. */
  verifyLease(credential: string, slotId: string): string | false;
  /** Whether the slot can take a run now (not busy, not stopped, the host not draining). */
  canServe(slot: Slot): boolean;
  /** Serves the verified run on `ws` (`socket` is its TCP connection), sending `first` before anything of the run. */
  serve(slot: Slot, ws: WebSocket, socket: Duplex, leaseId: string, runId: string, first: string): void;
  refuse(socket: Duplex, status: number, text: string): void;
  readonly idleMs: number;
}

const RUN_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A slot connection a gateway upgraded ahead of a run (registry/relay-credential.ts): the
 * upgrade needs the gateway's proof of the lease secret and starts nothing. The first message
 * must be the run's lease frame; until it is verified no other byte of the connection is read
 * as a frame of a run (ws delivers frames in order, and the run's listeners are attached only
 * after the check, in the same turn). A refused lease closes the connection; a verified one
 * gets `accepted` and the rest of the connection is that run's, exactly as if the credential
 * had come in the handshake. A link that stays silent is closed after `idleMs`.
 */
export function acceptRelayLink(host: RelayLinkHost, slot: Slot, advertised: string, req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
  if (!host.verifyRelay(req.headers[RELAY_HEADER], advertised)) return host.refuse(socket, 403, 'Forbidden');
  if (!host.canServe(slot)) return host.refuse(socket, 503, 'Service Unavailable');
  // Bursts of handshakes take turns with everything else, as a run's own handshake does.
  void host.budget.run(() => {
    if (socket.destroyed) return;
    host.wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => undefined);
      answerPings(ws);
      const idle = setTimeout(() => ws.terminate(), host.idleMs);
      idle.unref();
      ws.once('close', () => clearTimeout(idle));
      ws.once('message', (data, isBinary) => {
        clearTimeout(idle);
        const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
        const lease = !isBinary && bytes.length <= MAX_LEASE_FRAME_BYTES ? parseLeaseFrame(bytes.toString('utf8')) : undefined;
        const leaseId = lease ? host.verifyLease(lease.credential, slot.id) : false;
        // Frames behind a refused lease frame (the run) are never handed to anything.
        if (!lease || !leaseId) return refuseLink(ws, RELAY_LEASE_REFUSED, 'lease refused');
        if (!host.canServe(slot)) return refuseLink(ws, RELAY_SLOT_BUSY, 'slot busy');
        const runId = RUN_ID_PATTERN.test(lease.runId) ? lease.runId : undefined;
        // `accepted` is held (serve) until the run frame behind it has been handed on, as a
        // handshake's `101` is: the program starts before the gateway is woken.
        host.serve(slot, ws, socket, leaseId, runId ?? randomUUID(), RELAY_ACCEPTED);
      });
    });
  });
}

function refuseLink(ws: WebSocket, code: number, reason: string): void {
  // Whatever else arrives is dropped unread: the link is closed, not handed to a session.
  ws.removeAllListeners('message');
  ws.close(code, reason);
  setTimeout(() => ws.terminate(), 2000).unref();
}
