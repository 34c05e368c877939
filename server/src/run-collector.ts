import type { ErrorMessage, ExitMessage } from '../../protocol/index.ts';
import { SlotClient, type SlotClientOptions, type SlotRunRequest } from './slot-client.ts';

export interface CollectedRun {
  stdout: string;
  stderr: string;
  /** Both streams interleaved in the order produced (Piston's `output`). */
  output: string;
  /** The same, stream by stream: adjacent chunks of one stream merged. */
  chunks: Array<{ stream: 'stdout' | 'stderr'; data: string }>;
  exit?: ExitMessage;
  error?: ErrorMessage;
}

/** Runs a program to completion on a leased slot and collects everything it printed. */
export async function collectRun(opts: SlotClientOptions, req: SlotRunRequest): Promise<CollectedRun> {
  const client = new SlotClient();
  const result: CollectedRun = { stdout: '', stderr: '', output: '', chunks: [] };
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  client.on('output', (stream, data) => {
    result[stream] += data;
    result.output += data;
    const last = result.chunks.at(-1);
    if (last?.stream === stream) last.data += data;
    else result.chunks.push({ stream, data });
  });
  client.on('exit', (exit) => (result.exit = exit));
  client.on('run-error', (error) => (result.error ??= error));
  // A client that hangs up stops the program, as on the WebSocket.
  opts.signal?.addEventListener('abort', () => client.abort(), { once: true });
  await client.start(opts, req);
  await closed;
  return result;
}
