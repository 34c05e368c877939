import { defineConfig } from '@playwright/test';

// The real playground (gateway + worker host with real sandboxes) on its own port and slot
// addresses, driven by Debian's Chromium (never a downloaded browser).
// E2E_PORT / E2E_SLOTS move them, so two checkouts on one machine can run their specs at once.
export const PORT = Number(process.env.E2E_PORT ?? 18931);
const SLOTS = process.env.E2E_SLOTS ?? '127.77.240.1-127.77.240.6';
const SLOT_PORT = process.env.E2E_SLOT_PORT ?? '17070';

export default defineConfig({
  testDir: '.',
  testMatch: /.*\.spec\.ts$/,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: '../test-results/e2e',
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    },
    screenshot: 'only-on-failure',
    trace: 'off',
    viewport: { width: 1280, height: 800 },
  },
  webServer: {
    command: 'node --import tsx main.ts',
    cwd: '..',
    url: `http://127.0.0.1:${PORT}/healthz`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      PLAYGROUND_PORT: String(PORT),
      PLAYGROUND_WORKER_ADDRESSES: SLOTS,
      PLAYGROUND_WORKER_PORT: SLOT_PORT,
      PLAYGROUND_TIMEOUT_MS: '3000',
      PLAYGROUND_LOG_LEVEL: 'warn',
      PLAYGROUND_SHUTDOWN_GRACE_MS: '500',
      // E2E_WEB_DIR=<another build>: run the specs against it (e.g. main's UI, to see a bug's spec fail).
      ...(process.env.E2E_WEB_DIR ? { PLAYGROUND_WEB_DIR: process.env.E2E_WEB_DIR } : {}),
    },
  },
});
