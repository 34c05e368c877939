import { transform } from 'esbuild';

export type TranspileResult = { ok: true; code: string } | { ok: false; message: string };

/**
 * TypeScript → JavaScript on the worker host, type stripping only (no type check on the run
 * path). The module format is kept as written, so the runner's ES-module detection applies to
 * TypeScript exactly as to JavaScript. The inline source map makes stack traces name main.ts
 * and the user's own lines.
 */
export async function transpileTypeScript(source: string): Promise<TranspileResult> {
  try {
    const out = await transform(source, {
      loader: 'ts',
      sourcefile: 'main.ts',
      sourcemap: 'inline',
      target: 'node20',
      logLevel: 'silent',
    });
    return { ok: true, code: out.code };
  } catch (err) {
    const errors = (err as { errors?: Array<{ text: string; location?: { line: number; column: number; lineText: string } | null }> }).errors;
    if (!errors?.length) return { ok: false, message: String((err as Error).message) };
    const message = errors
      .map((e) => {
        const loc = e.location;
        if (!loc) return `main.ts: error: ${e.text}`;
        return `/tmp/main.ts:${loc.line}:${loc.column + 1}\n${loc.lineText}\n${' '.repeat(loc.column)}^\n\nSyntaxError: ${e.text}`;
      })
      .join('\n\n');
    return { ok: false, message: `${message}\n` };
  }
}
