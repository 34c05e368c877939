import type { ErrorMessage, ExitMessage } from '../../protocol/index.ts';
import { SlotClient, type SlotClientOptions, type SlotRunRequest } from './slot-client.ts';
import type { Recycling } from './slot-recycling.ts';

export interface CollectedRun {
  stdout: string;
  stderr: string;
  /** Both streams interleaved in the order produced (Piston's `output`). */
  output: string;
  /** The same, stream by stream: adjacent chunks of one stream merged. */
  chunks: Array<{ stream: 'stdout' | 'stderr'; data: string }>;
  exit?: ExitMessage;
  error?: ErrorMessage;
  /** More than MAX_OUTPUT_CHUNKS changes of stream: `chunks` stops there (stdout, stderr and output are whole). */
  chunksTruncated?: boolean;
  /** The slot's teardown after the run, which the client's share counts (slot-recycling.ts). */
  recycled?: Recycling;
}

/**
 * Each entry of `chunks` costs ~30 bytes of JSON beside its data: a program alternating one-byte
 * writes to stdout and stderr turned 440 KB of output into 440 000 entries and a 14 MB answer
 * (attacker probe). The list stops at this many entries; the streams themselves are whole.
 */
export const MAX_OUTPUT_CHUNKS = 10_000;

/** Runs a program to completion on a leased slot and collects everything it printed. */
export async function collectRun(opts: SlotClientOptions, req: SlotRunRequest): Promise<CollectedRun> {
  const client = new SlotClient();
  const result: CollectedRun = { stdout: '', stderr: '', output: '', chunks: [] };
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  client.on('output', (stream, data) => {
    result[stream] += data;
    result.output += data;
    const last = result.chunks.at(-1);
    if (result.chunksTruncated) return;
    if (last?.stream === stream) last.data += data;
    else if (result.chunks.length < MAX_OUTPUT_CHUNKS) result.chunks.push({ stream, data });
    else result.chunksTruncated = true;
  });
  client.on('exit', (exit) => (result.exit = exit));
  client.on('run-error', (error) => (result.error ??= error));
  // A client that hangs up stops the program, as on the WebSocket.
  opts.signal?.addEventListener('abort', () => client.abort(), { once: true });
  await client.start(opts, req);
  await closed;
  if (client.recycled) result.recycled = client.recycled;
  return result;
}
