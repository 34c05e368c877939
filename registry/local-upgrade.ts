import type http from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * An upgrade whose lease the in-process gateway already holds, handed to a slot of the same
 * process's worker host (the all-in-one fast path). Both sides name it, so it lives with the
 * lease it carries rather than twice.
 */
export interface LocalUpgrade {
  slot: { id: string; hostId: string };
  req: http.IncomingMessage;
  socket: Duplex;
  head: Buffer;
  leaseId: string;
  runId: string;
}
