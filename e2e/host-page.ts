import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A third-party page on another loopback origin that embeds the playground: it records every
 * event the iframe posts and offers `send(command, args)` for commands with request ids.
 */
export async function startHostPage(gatewayUrl: string, embedQuery: string, customHtml?: string, beforeFrame = ''): Promise<{ url: string; close: () => Promise<void> }> {
  const html = customHtml ?? `<!doctype html><meta charset="utf-8"><title>Docs page</title>
<h1>Some docs</h1>${beforeFrame}
<iframe id="pg" src="${gatewayUrl}/embed?${embedQuery}" style="width:640px;border:0;height:150px"></iframe>
<script>
  window.events = []; window.replies = {}; window.legacyResize = [];
  let seq = 0;
  window.addEventListener('message', (ev) => {
    const d = ev.data;
    if (d && d.context === 'iframe.resize') window.legacyResize.push(d.height);
    if (!d || d.channel !== 'node-playground') return;
    if (d.type === 'event') {
      window.events.push({ event: d.event, data: d.data, origin: ev.origin });
      if (d.event === 'resize') document.getElementById('pg').style.height = d.data.height + 'px';
    }
    if (d.type === 'reply') window.replies[d.id] = d;
  });
  window.send = (command, args) => {
    const id = 'req-' + (++seq);
    document.getElementById('pg').contentWindow.postMessage({ channel: 'node-playground', type: 'command', id, command, args }, '*');
    return id;
  };
</script>`;
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(() => r())) };
}
