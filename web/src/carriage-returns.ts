// Carriage returns in program output, for the console (components/Console.tsx).

/**
 * A chunk with carriage returns, as the console shows it: `\r\n` is a line end, and on each line
 * only what follows its last `\r` is kept (the line starts afresh, as Jupyter shows progress
 * output; a terminal would overwrite character by character). `clearsLine`: the chunk's first
 * line replaces the line already on screen. `dropped`: the text dropped, which still goes
 * through the colour converter (a colour opened before a `\r` applies after it).
 */
export function carriageReturns(text: string): { text: string; clearsLine: boolean; dropped: string; endsWithCr: boolean } {
  let body = text.replace(/\r\n/g, '\n');
  const endsWithCr = body.endsWith('\r');
  if (endsWithCr) body = body.replace(/\r+$/, '');
  let clearsLine = false;
  let dropped = '';
  const lines = body.split('\n').map((line, i) => {
    const cr = line.lastIndexOf('\r');
    if (cr < 0) return line;
    if (i === 0) clearsLine = true;
    dropped += line.slice(0, cr);
    return line.slice(cr + 1);
  });
  return { text: lines.join('\n'), clearsLine, dropped, endsWithCr };
}
