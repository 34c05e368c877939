// The loopback floor for "connect + run → first byte": a bare `ws` server in its own process
// that answers the first message at once. Same client, same pacing, same machine, same run —
// whatever this costs (handshake, wake-ups of idle vCPUs) no design of ours can remove.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

if (process.argv[2] === '--serve') {
  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  wss.on('connection', (ws) => {
    ws.once('message', () => {
      ws.send('{"type":"stdout","data":"hi\\n"}');
      ws.send('{"type":"exit","code":0,"signal":null,"reason":"exit","durationMs":0}');
      ws.close();
    });
  });
  wss.on('listening', () => process.send?.((wss.address() as { port: number }).port));
}

export async function startWsFloorServer(): Promise<{ url: string; stop: () => void }> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--serve'], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve(Number(m)));
    child.once('exit', (code) => reject(new Error(`ws floor server exited (${code})`)));
  });
  return { url: `ws://127.0.0.1:${port}/`, stop: () => child.kill() };
}
