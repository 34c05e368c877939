// The wire vocabulary in one place: frame types (derived from the zod schemas in
// client-frames.ts and server-frames.ts), and the paths and headers both sides use.
export type { ClientFrame as ClientMessage, RunFrame as RunMessage, StdinFrame as StdinMessage, StopFrame as StopMessage } from './client-frames.ts';
export type { StartedMessage, OutputMessage, ExitMessage, ErrorMessage, ServerMessage, ExitReason } from './server-frames.ts';

/** WebSocket paths and headers shared by the gateway and worker slots. */
export const WS_PATH = '/api/ws';
export const RUN_ID_HEADER = 'x-playground-run-id';
export const LEASE_HEADER = 'x-playground-lease';
/** A gateway's proof of the lease secret on a slot connection it upgrades ahead of a run (registry/relay-credential.ts). */
export const RELAY_HEADER = 'x-playground-relay';
