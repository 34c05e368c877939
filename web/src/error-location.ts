// Where a run's error points in the user's program: the runner writes the program to
// /work/main.js (or main.mjs; main.ts once TypeScript runs as itself), so a stack frame or
// node's "file:line" header naming that file is a line of the editor.

export interface Marker {
  line: number;
  column?: number;
  message: string;
}

/** `main.js:12:5`, `/work/main.mjs:3`, `file:///work/main.ts:7:1`, with the path before it. */
export const LOCATION = /((?:file:\/\/)?(?:\/[\w.-]+)*\/?main\.(?:[mc]?js|[mc]?ts)):(\d+)(?::(\d+))?/g;

/** The first line of the program named in stderr, with the error message it belongs to. */
export function findErrorLocation(stderr: string): Marker | undefined {
  LOCATION.lastIndex = 0;
  const m = LOCATION.exec(stderr);
  if (!m) return undefined;
  const line = Number(m[2]);
  if (!Number.isInteger(line) || line < 1) return undefined;
  const message = stderr.split('\n').find((l) => /^\s*(?:Uncaught\s+)?[A-Z]\w*(Error|Exception)\b|^\s*\w*Error:/.test(l))?.trim() ?? 'The program stopped with an error here';
  return { line, column: m[3] ? Number(m[3]) : undefined, message };
}

/**
 * Wraps every location in already-escaped console HTML in a link the console turns into a
 * jump to the editor. The pattern has no HTML-special characters, so escaping stays intact.
 */
export function linkLocations(html: string): string {
  return html.replace(LOCATION, (whole, _file: string, line: string, col: string | undefined) => {
    const c = col ? ` data-column="${col}"` : '';
    return `<a href="#" class="loc" data-line="${line}"${c} title="Show line ${line} in the editor">${whole}</a>`;
  });
}
