import type { ExitReason, RunRequest } from '../../protocol/index.ts';
import type { Sandbox } from './sandbox/sandbox.ts';

/** What the session holds from the moment it accepts the `run` frame. */
export interface AcceptedRun {
  readonly request: RunRequest;
  /** performance.now() at acceptance: the run's wall clock (waiting for the sandbox counts). */
  readonly startedAt: number;
}

/**
 * The phases of one run session, in order. Each carries exactly what exists in it, so no
 * sandbox without a request, no exit reason without a sandbox, no deferred stop once a sandbox
 * is assigned:
 *
 *   awaiting-request ─► acquiring ─► preparing ─► running ─► ending ─► ended
 *          │                │            └──────────────────────┘
 *          ▼                ▼
 *      rejected           failed
 *
 * - awaiting-request: the socket is open, no valid `run` frame yet.
 * - rejected: a typed error went out before any run (bad first frame, none in time, shutdown);
 *   the socket is closing.
 * - acquiring: the `run` is accepted; waiting for the slot's warm sandbox. A stop or a protocol
 *   error now is remembered (pendingFinish) and applied once the sandbox is assigned.
 * - failed: no sandbox came; `INTERNAL` went out and the socket is closing.
 * - preparing: the sandbox is assigned; the memory limit may be lowered before the hand-off.
 * - running: the program is handed off; output streams, stdin flows, the deadline is armed.
 * - ending: the first cause won (exit, timeout, stop, output cap, disconnect, error): the
 *   sandbox is killed, the rest of the output and the counters are read.
 * - ended: `exit` went out; the socket is closing.
 */
export type SessionPhase =
  | { readonly name: 'awaiting-request' }
  | { readonly name: 'rejected' }
  | { readonly name: 'acquiring'; readonly run: AcceptedRun; readonly pendingFinish: ExitReason | undefined }
  | { readonly name: 'failed' }
  | { readonly name: 'preparing'; readonly run: AcceptedRun; readonly sandbox: Sandbox }
  | Running
  | Ending
  | { readonly name: 'ended'; readonly run: AcceptedRun; readonly sandbox: Sandbox; readonly reason: ExitReason };

export interface Running {
  readonly name: 'running';
  readonly run: AcceptedRun;
  readonly sandbox: Sandbox;
  /** The cgroup's CPU when the sandbox became ready, subtracted from the run's `cpuMs`. */
  readonly cpuBeforeNs: number | undefined;
}

export interface Ending {
  readonly name: 'ending';
  readonly run: AcceptedRun;
  readonly sandbox: Sandbox;
  readonly reason: ExitReason;
  /** Undefined when the program was never handed off: the exit then reports no `cpuMs`. */
  readonly cpuBeforeNs: number | undefined;
}

export type PhaseName = SessionPhase['name'];
type Phase<N extends PhaseName> = Extract<SessionPhase, { name: N }>;

/** A transition the session must never attempt: a bug, never a client's doing. */
export class IllegalTransition extends Error {
  constructor(
    readonly event: string,
    readonly from: PhaseName,
  ) {
    super(`run session: ${event} is not possible while ${from}`);
    this.name = 'IllegalTransition';
  }
}

export const initialPhase: SessionPhase = { name: 'awaiting-request' };

/** The `run` frame was valid. */
export function acceptRun(p: SessionPhase, run: AcceptedRun): Phase<'acquiring'> {
  if (p.name !== 'awaiting-request') throw new IllegalTransition('accept', p.name);
  return { name: 'acquiring', run, pendingFinish: undefined };
}

/**
 * A typed error before any run. Again while already rejected (a stop or the first-message
 * timer before the client answered our close): the session repeats its error and close.
 */
export function rejectRun(p: SessionPhase): Phase<'rejected'> {
  if (p.name !== 'awaiting-request' && p.name !== 'rejected') throw new IllegalTransition('reject', p.name);
  return p.name === 'rejected' ? p : { name: 'rejected' };
}

/** A stop or protocol error while waiting for the sandbox: the first cause is kept for later. */
export function deferFinish(p: SessionPhase, cause: ExitReason): Phase<'acquiring'> {
  if (p.name !== 'acquiring') throw new IllegalTransition('defer finish', p.name);
  return p.pendingFinish ? p : { name: 'acquiring', run: p.run, pendingFinish: cause };
}

/** The slot could not give a sandbox. */
export function failStart(p: SessionPhase): Phase<'failed'> {
  if (p.name !== 'acquiring') throw new IllegalTransition('fail start', p.name);
  return { name: 'failed' };
}

export function assignSandbox(p: SessionPhase, sandbox: Sandbox): Phase<'preparing'> {
  if (p.name !== 'acquiring') throw new IllegalTransition('assign sandbox', p.name);
  return { name: 'preparing', run: p.run, sandbox };
}

/**
 * The program was handed off. The hand-off does not look back: a run that ended while its
 * memory limit was being lowered is still handed off (and killed already), so from ending or
 * ended the phase stays, with the CPU baseline noted for an exit not yet composed.
 */
export function handOff(p: SessionPhase, cpuBeforeNs: number | undefined): Running | Ending | Phase<'ended'> {
  switch (p.name) {
    case 'preparing':
      return { name: 'running', run: p.run, sandbox: p.sandbox, cpuBeforeNs };
    case 'ending':
      return { name: 'ending', run: p.run, sandbox: p.sandbox, reason: p.reason, cpuBeforeNs };
    case 'ended':
      return p;
    default:
      throw new IllegalTransition('hand off', p.name);
  }
}

/** The first cause to end the run wins; later ones are the session's to ignore. */
export function beginEnding(p: SessionPhase, reason: ExitReason): Ending {
  if (p.name !== 'preparing' && p.name !== 'running') throw new IllegalTransition('end', p.name);
  return { name: 'ending', run: p.run, sandbox: p.sandbox, reason, cpuBeforeNs: p.name === 'running' ? p.cpuBeforeNs : undefined };
}

/** `exit` is being sent. */
export function markEnded(p: SessionPhase): Phase<'ended'> {
  if (p.name !== 'ending') throw new IllegalTransition('mark ended', p.name);
  return { name: 'ended', run: p.run, sandbox: p.sandbox, reason: p.reason };
}
