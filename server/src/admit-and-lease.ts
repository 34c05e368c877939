import type { Duplex } from 'node:stream';
import { toPublicError, type PublicErrorCode } from '../../protocol/index.ts';
import { BusyError, type Lease } from '../../registry/index.ts';
import type { GatewayContext } from './gateway-context.ts';
import { LogThrottle } from '../../protocol/log-throttle.ts';
import type { Recycling } from './slot-recycling.ts';

/** A registry that cannot lease (Redis away) fails every run: one line per 5 s says so. */
const leaseFailures = new LogThrottle(5000);

export type AdmitAndLease =
  | { ok: true; lease: Lease; release: (recycling?: Recycling) => void }
  /** The client left while it waited: nothing to tell it. */
  | { ok: false; gone: true }
  | { ok: false; gone: false; code: PublicErrorCode; message: string; retryAfterMs?: number };

/**
 * A run's admission (the client's concurrency place and rate limit, edge.ts) and its slot,
 * leased fairly among clients (fair-lease.ts). The two are asked for together — with Redis in
 * one write, answered in one go — instead of one after the other, unless the client is likely
 * refused: then the slot waits for its verdict, so a refused client costs the registry
 * nothing. A slot leased for a client that turns out refused is given back at once.
 * `asked` runs once the questions are on their way (the gateway answers the client's
 * handshake meanwhile). A client that closes its socket gives up its place in the queue.
 */
export async function admitAndLease(ctx: GatewayContext, client: string, socket: Duplex, asked: () => void): Promise<AdmitAndLease> {
  const abort = new AbortController();
  const onGone = () => abort.abort();
  socket.once('close', onGone);
  socket.once('end', onGone);
  const leaseOptions = { waitMs: ctx.config.queueWaitMs, holdMs: ctx.leaseHoldMs, signal: abort.signal };
  const leasing = () => ctx.fairLease.lease(client, leaseOptions).then((lease) => ({ lease }), (err: Error) => ({ err }));
  const waitStart = performance.now();
  const [early, admitting] = ctx.registry.together(() => [ctx.edge.likelyRefused(client) ? undefined : leasing(), ctx.edge.admit(client)] as const);
  asked();
  const giveBack = () => {
    abort.abort();
    void early?.then((r) => {
      if ('lease' in r) void ctx.registry.release(r.lease).catch(() => undefined);
    });
  };
  try {
    const admission = await admitting.catch((err: Error) => {
      giveBack();
      throw err;
    });
    if (!admission.ok) {
      giveBack();
      ctx.metrics.rateLimited.inc();
      return { ok: false, gone: false, code: 'RATE_LIMITED', message: `${admission.message}; retry in ${admission.retryAfterS} s`, retryAfterMs: admission.retryAfterMs };
    }
    const got = await (early ?? leasing());
    if ('err' in got) {
      admission.release();
      if (socket.destroyed || abort.signal.aborted) return { ok: false, gone: true };
      if (!(got.err instanceof BusyError)) {
        const { message } = got.err;
        leaseFailures.note((alsoSuppressed) => ctx.log.error({ err: message, alsoSuppressed }, 'registry lease failed'));
      }
      const failure = toPublicError(got.err);
      return { ok: false, gone: false, code: failure.code, message: failure.message };
    }
    ctx.metrics.queueWait.observe((performance.now() - waitStart) / 1000);
    return { ok: true, lease: got.lease, release: admission.release };
  } finally {
    socket.off('close', onGone);
    socket.off('end', onGone);
  }
}
