// The naive baseline the issue names: a minimal WebSocket server that spawns a fresh sandbox
// per request (same flags as ours, cold start, no pool, no gateway) and streams its output.
// It runs in its own process and is driven by the same client code and pacing as the
// playground, so the two latencies compare the same load.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Sandbox } from '../workers/src/sandbox/sandbox.ts';
import { sandboxFactory, BASELINE_UID } from './sandbox-factory.ts';

async function serve(): Promise<void> {
  const { WebSocketServer } = await import('ws');
  const factory = await sandboxFactory('naive');
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  wss.on('connection', (ws) => {
    ws.once('message', async (data) => {
      const { code } = JSON.parse(data.toString()) as { code: string };
      const sandbox = await Sandbox.start(factory, 'naive', BASELINE_UID);
      ws.send(JSON.stringify({ type: 'started' }));
      sandbox.handoff({ code });
      sandbox.output.on('data', (stream: string, d: Buffer) => ws.send(JSON.stringify({ type: stream, data: d.toString() })));
      const exit = await sandbox.exited;
      ws.send(JSON.stringify({ type: 'exit', code: exit.code, signal: exit.signal, reason: 'exit' }));
      ws.close();
      await sandbox.destroy();
    });
  });
  wss.on('listening', () => process.send?.((wss.address() as { port: number }).port));
  process.on('disconnect', () => void factory.cgroups.removeGroup().finally(() => process.exit(0)));
}

if (process.argv[2] === '--serve') void serve();

export async function startNaiveServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve(Number(m)));
    child.once('exit', (code) => reject(new Error(`naive server exited (${code})`)));
  });
  return {
    url: `ws://127.0.0.1:${port}/`,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.disconnect();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
