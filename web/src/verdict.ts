import type { ExitMessage } from '../../protocol/messages.ts';

/** The status line's words for an exit. */
export function describeExit(exit: ExitMessage): string {
  switch (exit.reason) {
    case 'timeout':
      return `Time limit exceeded after ${Math.round(exit.durationMs / 100) / 10} s`;
    case 'stopped':
      return 'Stopped';
    case 'memory':
      return 'Memory limit exceeded';
    case 'output-limit':
      return 'Output limit reached';
    case 'disconnected':
      return 'Disconnected';
    case 'error':
      return 'Ended by an error';
    default:
      return exit.signal ? `Killed by ${exit.signal}` : `Exited with code ${exit.code}`;
  }
}
