// Renders a benchmark report as the markdown of docs/performance.md and a small SVG chart.
type Report = { date: string; machine: Record<string, unknown>; node: string; command: string; results: Record<string, any> };

const TARGETS = {
  firstByteP50: 3,
  firstByteP99: 15,
  ceilingRatio: 0.9,
  naiveRatio: 20,
  streamingMBps: 100,
  stopP99: 50,
  densityGiB: 10,
  lagP99: 20,
};

const mark = (ok: boolean) => (ok ? '✅' : '❌');

export function renderMarkdown(r: Report): string {
  const x = r.results;
  const wl = x.warmLatency;
  const best = Math.max(...x.throughput.map((t: any) => t.ratioOfCeiling));
  const rows: string[][] = [
    ['warm connect+run → first byte (one run every 250 ms)', `p50 ${wl.firstByte.p50} ms, p99 ${wl.firstByte.p99} ms (p95 ${wl.firstByte.p95}, max ${wl.firstByte.max})`, `p50 ≤ ${TARGETS.firstByteP50} ms, p99 ≤ ${TARGETS.firstByteP99} ms`, mark(wl.firstByte.p50 <= TARGETS.firstByteP50 && wl.firstByte.p99 <= TARGETS.firstByteP99)],
    ['warm connect+run → exit (paced)', `p50 ${wl.exit.p50} ms, p99 ${wl.exit.p99} ms`, '—', ''],
    ['warm first byte, back to back (runs compete with replacement boots)', `p50 ${x.warmLatencyBackToBack.firstByte.p50} ms, p99 ${x.warmLatencyBackToBack.firstByte.p99} ms`, '—', ''],
    ['sustained runs/s vs bare sandbox ceiling', `best ${best} × ceiling (${x.ceilingRunsPerS} runs/s bare at C=2)`, `≥ ${TARGETS.ceilingRatio} ×`, mark(best >= TARGETS.ceilingRatio)],
    ['vs naive spawn-per-request (first byte p50)', `${x.naiveRatio} × lower (naive p50 ${x.naiveColdFirstByte.p50} ms)`, `≥ ${TARGETS.naiveRatio} ×`, mark(x.naiveRatio >= TARGETS.naiveRatio)],
    ['streaming to the client', `${x.streaming.MBps} MB/s; playground CPU ${x.streaming.playgroundCpuMsPerGiB} ms per GiB`, `≥ ${TARGETS.streamingMBps} MB/s`, mark(x.streaming.MBps >= TARGETS.streamingMBps)],
    ['stop → exit', `p50 ${x.stopTimeout.stopToExit.p50} ms, p99 ${x.stopTimeout.stopToExit.p99} ms`, `p99 ≤ ${TARGETS.stopP99} ms`, mark(x.stopTimeout.stopToExit.p99 <= TARGETS.stopP99)],
    ['timeout overshoot', `p50 ${x.stopTimeout.timeoutOvershootMs.p50} ms, max ${x.stopTimeout.timeoutOvershootMs.max} ms`, '—', ''],
    ['mixed load: 200 × 2 s sleepers, 200 slots', `${x.mixedLoad.completed}/${x.mixedLoad.connections} complete; queue wait (connect→started) p99 ${x.mixedLoad.queueWaitMs.p99} ms; event-loop lag p99 ${x.mixedLoad.eventLoopLagP99Ms} ms`, `lag p99 ≤ ${TARGETS.lagP99} ms`, mark(x.mixedLoad.eventLoopLagP99Ms <= TARGETS.lagP99 && x.mixedLoad.completed === x.mixedLoad.connections)],
  ];
  if (x.density) {
    const d = x.density;
    rows.push([
      `${d.slots} warm per-IP slots on one host`,
      `all ready in ${d.readyS} s; sandboxes PSS ${d.pssMiB} MiB (RSS ${d.rssMiB} MiB, ${d.sandboxProcesses} processes); MemAvailable −${d.memAvailableDropMiB} MiB; first byte p50 ${d.latency.firstByte.p50} ms, p99 ${d.latency.firstByte.p99} ms`,
      `fit in ≤ ${TARGETS.densityGiB} GiB, latency target met`,
      mark(d.memAvailableDropMiB <= TARGETS.densityGiB * 1024),
    ]);
  }
  const tp = x.throughput.map((t: any) => `| ${t.concurrency} | ${t.runsPerS} | ${t.ratioOfCeiling} | ${t.failed} |`).join('\n');
  return `# Performance

Measured by \`${r.command}\` on ${r.date.slice(0, 10)}: ${r.machine.cpus} cores (${r.machine.model}), ${r.machine.memGiB} GiB, kernel ${r.machine.kernel}, Node ${r.node}.
The benchmark starts the real playground (gateway + in-memory registry + worker host with
bubblewrap sandboxes), drives it over real WebSockets from a separate process on loopback, and
measures the references in the same run: the **ceiling** is the bare rate of spawning the same
sandbox (same flags, cgroups and uid; no gateway, no pool) at concurrency 2, and the **naive
baseline** spawns a fresh sandbox per request. Raw numbers: \`bench/results/${r.date.slice(0, 10)}.json\`.

![latency and throughput](images/bench.svg)

| measure | result | target | |
|---|---|---|---|
${rows.map((row) => `| ${row.join(' | ')} |`).join('\n')}

## Throughput by concurrency (trivial program, ${'`'}console.log('hi')${'`'})

| concurrency | runs/s | × ceiling | failed |
|---|---|---|---|
${tp}

## Reading the numbers

- Every run costs one fresh sandbox boot (the restart-after-every-run guarantee): Node's start
  inside bwrap is ~100 ms of CPU, so sustained throughput on 2 cores is bounded by the ceiling
  whatever the design of the hand-off; the pool moves that cost off the user's wait.
- Warm latency is connect (gateway handshake, lease, proxied handshake to the slot) + hand-off
  over fd 3 + the program's own start-up inside an already-booted Node. Paced runs (one every
  250 ms, as people click Run) meet an idle machine; back-to-back runs on 2 cores each compete
  with the ~100 ms CPU boot that replaces the previous run's sandbox, which is the price of the
  restart-after-every-run guarantee at full load.
${x.redisWarmLatency ? `- With Redis (1 gateway + 1 worker host as separate processes): first byte p50 ${x.redisWarmLatency.firstByte.p50} ms, p99 ${x.redisWarmLatency.firstByte.p99} ms; ${x.redisThroughput.runsPerS} runs/s at C=4.\n` : ''}`;
}

export function renderChart(r: Report): string {
  const x = r.results;
  const W = 720;
  const H = 260;
  const lat = [
    ['p50', x.warmLatency.firstByte.p50],
    ['p95', x.warmLatency.firstByte.p95],
    ['p99', x.warmLatency.firstByte.p99],
    ['naive p50', x.naiveColdFirstByte.p50],
  ] as Array<[string, number]>;
  const maxLat = Math.max(...lat.map((l) => l[1])) * 1.1;
  const bars = lat
    .map(([label, v], i) => {
      const h = (v / maxLat) * 170;
      const bx = 40 + i * 80;
      return `<rect x="${bx}" y="${210 - h}" width="50" height="${h}" fill="${label.startsWith('naive') ? '#cf222e' : '#0969da'}"/><text x="${bx + 25}" y="228" text-anchor="middle">${label}</text><text x="${bx + 25}" y="${205 - h}" text-anchor="middle">${v} ms</text>`;
    })
    .join('');
  const tp = x.throughput as Array<{ concurrency: number; runsPerS: number }>;
  const maxTp = Math.max(x.ceilingRunsPerS, ...tp.map((t) => t.runsPerS)) * 1.2;
  const px = (i: number) => 420 + i * 65;
  const py = (v: number) => 210 - (v / maxTp) * 170;
  const line = tp.map((t, i) => `${px(i)},${py(t.runsPerS)}`).join(' ');
  const dots = tp.map((t, i) => `<circle cx="${px(i)}" cy="${py(t.runsPerS)}" r="4" fill="#0969da"/><text x="${px(i)}" y="228" text-anchor="middle">C=${t.concurrency}</text><text x="${px(i)}" y="${py(t.runsPerS) - 8}" text-anchor="middle">${t.runsPerS}</text>`).join('');
  const ceil = `<line x1="400" x2="700" y1="${py(x.ceilingRunsPerS)}" y2="${py(x.ceilingRunsPerS)}" stroke="#cf222e" stroke-dasharray="5,4"/><text x="700" y="${py(x.ceilingRunsPerS) - 5}" text-anchor="end" fill="#cf222e">bare sandbox ceiling ${x.ceilingRunsPerS}/s</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="11">
<rect width="100%" height="100%" fill="#fff"/>
<text x="20" y="20" font-size="13" font-weight="600">Warm connect+run → first byte (ms)</text>
<text x="400" y="20" font-size="13" font-weight="600">Runs/s by concurrency</text>
<line x1="30" x2="360" y1="210" y2="210" stroke="#999"/><line x1="400" x2="710" y1="210" y2="210" stroke="#999"/>
${bars}
<polyline points="${line}" fill="none" stroke="#0969da" stroke-width="2"/>${dots}${ceil}
<text x="20" y="250" fill="#59636e">${r.date.slice(0, 10)} · ${r.machine.cpus} cores · Node ${r.node} · ${r.command}</text>
</svg>
`;
}
