import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExitMessage } from '../protocol/index.ts';

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

/** How an in-process run ended, as its `exit` frame said (for the gateway's access log). */
export type LocalRunEnding = Pick<ExitMessage, 'reason' | 'code' | 'signal'>;
