import { test, expect } from '@playwright/test';
import net from 'node:net';
import { startPlayground, type Playground } from '../test/helpers/playground.ts';
import { openPlayground, setCode, status } from './helpers.ts';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

// A server restarting (SIGTERM, then started again): a run refused while it drained said
// "Server busy: the server is shutting down; retry shortly; trying again in 1 s" (two pieces of
// advice), and once the server was gone its tries stopped at "Cannot reach the server", so the
// reader had to press Retry after the restart (a user trial). The tries now go on through the
// restart, and the run goes through once the server is back.
test('a run refused by a draining server goes through once the server is back', async ({ browser }) => {
  test.setTimeout(120_000);
  const port = await freePort();
  const env = { PLAYGROUND_PORT: String(port), PLAYGROUND_SHUTDOWN_GRACE_MS: '10000' };
  let first: Playground | undefined = await startPlayground({ slots: 2, env });
  let second: Playground | undefined;
  const context = await browser.newContext({ baseURL: first.httpUrl });
  try {
    const [busy, waiting] = [await context.newPage(), await context.newPage()];
    for (const page of [busy, waiting]) await openPlayground(page);
    // A program that keeps the drain going for a while.
    await setCode(busy, 'setTimeout(() => console.log("drained"), 3000)');
    await setCode(waiting, 'console.log("after the restart")');
    await busy.getByRole('button', { name: /Run/ }).click();
    await expect(status(busy)).toHaveText('Running…');
    first.proc.kill('SIGTERM');
    const gone = first.stop();
    await waiting.getByRole('button', { name: /Run/ }).click();
    await expect(status(waiting)).toHaveText(/^Server busy: the server is shutting down; trying again in \d s$/);
    await expect(status(busy)).toHaveText('Exited with code 0', { timeout: 15_000 });
    await gone;
    first = undefined;
    await expect(status(waiting)).toHaveText(/^Server busy: cannot reach the server; trying again in \d s$/, { timeout: 15_000 });
    second = await startPlayground({ slots: 2, env });
    await expect(status(waiting)).toHaveText('Exited with code 0', { timeout: 30_000 });
    await expect(waiting.getByTestId('console')).toHaveText('after the restart\n');
  } finally {
    await context.close();
    await first?.stop();
    await second?.stop();
  }
});
