import type http from 'node:http';
import type { Logger } from 'pino';
import { httpStatusOf, type HttpErrorCode } from '../../protocol/index.ts';
import type { GatewayConfig } from './config.ts';
import type { Edge } from './edge.ts';
import type { Metrics } from './metrics.ts';
import type { LocalSlots } from './local-slots.ts';
import type { GatewayRegistry } from '../../registry/index.ts';
import type { SlotClientOptions } from './slot-client.ts';
import type { FairLease } from './fair-lease.ts';
import type { RefusedRunLog } from './refused-run-log.ts';

/** What every gateway route needs; built once per gateway. */
export interface GatewayContext {
  config: GatewayConfig;
  registry: GatewayRegistry;
  log: Logger;
  metrics: Metrics;
  edge: Edge;
  leaseSecret: string;
  /** Slack on top of the run timeout before a lease counts as abandoned. */
  leaseHoldMs: number;
  /** Runs the gateway is serving right now (all APIs), for graceful shutdown. */
  activeRuns: Set<{ stop: () => void }>;
  shuttingDown: () => boolean;
  localSlots?: LocalSlots;
  /** Leases a slot for a client, fairly across clients (fair-lease.ts). */
  fairLease: FairLease;
  /** The access log's lines for refused runs, throttled per client (refused-run-log.ts). */
  refusedRuns: RefusedRunLog;
}

/** Which API a run came by, in the access log. */
export type RunApi = 'ws' | 'run' | 'execute' | 'connect';

/** The access log's line for a run refused before it got a slot (refused-run-log.ts). */
export function logRefusedRun(ctx: GatewayContext, client: string, api: RunApi, code: string): void {
  ctx.refusedRuns.note(client, api, code);
}

/** `client`: who waits (edge.clientIp), for fair waiting across clients. */
export function slotClientOptions(ctx: GatewayContext, client: string, api: RunApi, signal?: AbortSignal): SlotClientOptions {
  return {
    registry: ctx.registry,
    lease: (options) => ctx.fairLease.lease(client, options),
    leaseSecret: ctx.leaseSecret,
    queueWaitMs: ctx.config.queueWaitMs,
    leaseHoldMs: ctx.leaseHoldMs,
    signal,
    onLease: (ms) => ctx.metrics.queueWait.observe(ms / 1000),
    // The access log, as for WebSocket runs: client → run → worker → how it ended.
    onEnd: (summary) => ctx.log.info({ client, api, ...summary }, 'run'),
    localSlots: ctx.localSlots,
  };
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The contract's HTTP error body: `{"error":{"code","message"}}` with the code's status. */
export function sendError(ctx: GatewayContext | undefined, res: http.ServerResponse, code: HttpErrorCode, message: string, headers: Record<string, string> = {}, status?: number): void {
  ctx?.metrics.errors.inc({ code });
  const httpStatus = status ?? httpStatusOf(code);
  sendJson(res, httpStatus, { error: { code, message } }, headers);
}

export type ErrorSender = typeof sendError;

/**
 * Piston's error body, `{"message"}`, for everything answered on its paths (/api/v2/*):
 * Piston clients read `message` and know no `error` object. Status, headers and the error
 * metric are the contract's.
 */
export function sendPistonError(ctx: GatewayContext | undefined, res: http.ServerResponse, code: HttpErrorCode, message: string, headers: Record<string, string> = {}, status?: number): void {
  ctx?.metrics.errors.inc({ code });
  sendJson(res, status ?? httpStatusOf(code), { message }, headers);
}

/** The error shape a path answers in: Piston's under /api/v2/, else the contract's. */
export function errorSenderFor(path: string): ErrorSender {
  return path.startsWith('/api/v2/') ? sendPistonError : sendError;
}
