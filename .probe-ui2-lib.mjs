import { chromium } from '@playwright/test';
export const BASE = 'http://127.0.0.1:18140';
export const SHOTS = '/work/probe-ui2/shots';
export async function launch() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox','--disable-gpu','--disable-background-networking'] });
}
export async function focusDesc(page) {
  return page.evaluate(() => {
    let el = document.activeElement;
    const chain = [];
    while (el && el.tagName === 'IFRAME') { chain.push('iframe'); try { el = el.contentDocument.activeElement; } catch { break; } }
    if (!el) return 'none';
    const d = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').slice(0,3).join('.') : '') +
      ' [' + (el.getAttribute('aria-label') || el.title || (el.textContent || '').trim().slice(0, 30)) + ']' + (el.closest('.monaco-editor') ? ' (in monaco)' : '');
    return chain.join('>') + (chain.length ? '>' : '') + d;
  });
}
export async function consoleText(page) { return page.locator('[data-testid=console]').innerText(); }
export async function status(page) { return page.locator('[data-testid=status-text]').innerText().catch(() => '?'); }
export function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }
