// Where a run's error points in the user's program. A one-file program is written as main.js
// (main.mjs, main.ts), so a `main.*:line` in stderr is a line of the editor's one file. A program
// of several files is written under the working directory as named (contract), so a path ending
// in `/<name>` is a line of the file `<name>`: `/tmp/lib/util.js:3:9`, `file:///tmp/util.mjs:3`.

export interface Marker {
  /** The program file the line is in; absent: the one file of a one-file program. */
  file?: string;
  line: number;
  column?: number;
  message: string;
}

/**
 * A `path:line[:column]`, with node's `file://` when it prints a URL. It starts only where a
 * path can (not inside one, nor after a `node:`), so a scan stays linear on any output; which
 * paths are the program's files is for `programFileOf` to say.
 */
const LOCATION = /(?<![\w./:-])((?:file:\/\/)?[\w./-]+):(\d+)(?::(\d+))?/g;

/**
 * The program's file a path names: `{}` for the one file of a one-file program (`names` absent
 * or of one name), `{file}` for a file of several, undefined when it is none of them (node's own
 * modules, a package in node_modules).
 */
export function programFileOf(path: string, names?: readonly string[]): { file?: string } | undefined {
  const p = path.replace(/^file:\/\//, '');
  if (p.includes('node_modules/')) return undefined;
  if (!names || names.length <= 1) return /(?:^|\/)main\.[mc]?[jt]s$/.test(p) ? {} : undefined;
  // The longest name wins: `/tmp/lib/util.js` is lib/util.js even when util.js exists too.
  let best: string | undefined;
  for (const name of names) {
    if ((p === name || p.endsWith(`/${name}`)) && (!best || name.length > best.length)) best = name;
  }
  return best === undefined ? undefined : { file: best };
}

/** The first line of the program named in stderr, with the error message it belongs to. */
export function findErrorLocation(stderr: string, names?: readonly string[]): Marker | undefined {
  for (const m of stderr.matchAll(LOCATION)) {
    const at = programFileOf(m[1]!, names);
    const line = Number(m[2]);
    if (!at || !Number.isInteger(line) || line < 1) continue;
    const message = stderr.split('\n').find((l) => /^\s*(?:Uncaught\s+)?[A-Z]\w*(Error|Exception)\b|^\s*\w*Error:/.test(l))?.trim() ?? 'The program stopped with an error here';
    return { ...at, line, column: m[3] ? Number(m[3]) : undefined, message };
  }
  return undefined;
}

/**
 * Wraps every location of the program in already-escaped console HTML in a link the console
 * turns into a jump to the editor. Names have no HTML-special characters, so escaping stays intact.
 */
export function linkLocations(html: string, names?: readonly string[]): string {
  // Text only: not inside a tag (an attacker trial: a terminal hyperlink's href holding
  // "main.js:1" got a link spliced into it), nor inside another link.
  let inLink = false;
  return html.replace(/(<[^>]*>)|[^<]+/g, (part, tag: string | undefined) => {
    if (tag) {
      if (/^<a[\s>]/i.test(tag)) inLink = true;
      else if (/^<\/a>/i.test(tag)) inLink = false;
      return tag;
    }
    if (inLink) return part;
    return part.replace(LOCATION, (whole, path: string, line: string, col: string | undefined) => {
      const at = programFileOf(path, names);
      if (!at) return whole;
      const c = col ? ` data-column="${col}"` : '';
      const f = at.file ? ` data-file="${at.file}"` : '';
      return `<a href="#" class="loc"${f} data-line="${line}"${c} title="Show line ${line}${at.file ? ` of ${at.file}` : ''} in the editor">${whole}</a>`;
    });
  });
}
