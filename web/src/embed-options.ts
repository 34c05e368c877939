// The embed's options, from its URL (docs/embed.md, "Query options of /embed").
import { fromFiles, languageOrDefault, unpack, type Language, type SharedSource } from './share.ts';
import { parseThemeChoice, type ThemeChoice } from './theme.ts';
import { parseFilesOption } from './embed-files.ts';

export interface Options {
  source: SharedSource;
  /** Why the URL's `files=` was refused (the embed then starts empty and says so). */
  filesProblem?: string;
  language: Language;
  theme: ThemeChoice;
  readOnly: boolean;
  autorun: boolean;
  showEditor: boolean;
  maxHeightPx: number | undefined;
  /** Who may control the embed and hear its events; undefined: anyone (no `origins=`). */
  origins: string[] | undefined;
  /** Entries of `origins=` that are no origin (dropped, and said in the console). */
  badOrigins: string[];
  /** `stdin=`: the program's whole input, sent with every run and closed after it (EOF). */
  stdin: string | undefined;
}

export function readOptions(search: string): Options {
  const q = new URLSearchParams(search);
  const lz = q.get('lz');
  const lang = q.get('lang') ?? q.get('language');
  const flag = (name: string, def: boolean) => {
    const v = q.get(name);
    return v === null ? def : v === '' || v === '1' || v === 'true' || v === 'yes';
  };
  const maxHeight = Number(q.get('maxHeight') ?? q.get('max-height'));
  const language = languageOrDefault(lang);
  const code = (lz ? unpack(lz) : undefined) ?? q.get('code') ?? '';
  const packedFiles = q.get('files');
  const files = packedFiles === null ? undefined : parseFilesOption(packedFiles, q.get('entry'));
  return {
    source: files?.ok ? fromFiles(language, files.program.files, files.program.entry) : { language, code: files ? '' : code },
    ...(files && !files.ok ? { filesProblem: files.error } : {}),
    language,
    theme: parseThemeChoice(q.get('theme')),
    readOnly: flag('readonly', false),
    autorun: flag('autorun', false),
    showEditor: flag('editor', true),
    maxHeightPx: Number.isFinite(maxHeight) && maxHeight > 0 ? maxHeight : undefined,
    ...parseOrigins(q.get('origins')),
    // Present but empty is an empty input (EOF at once, as `< /dev/null`), not no input.
    stdin: q.get('stdin') ?? undefined,
  };
}

/**
 * `origins=`: each entry as the browser writes an origin (`new URL(entry).origin`: a trailing
 * slash or a path is dropped, the scheme and host lowercased), or `*`. An entry that is no
 * origin (no scheme: `example.com`) is dropped: passed to postMessage as a target it threw, and
 * the whole embed stayed blank (a user probe). With entries given and none valid, nobody may
 * control the embed — never everybody.
 */
export function parseOrigins(raw: string | null): { origins: string[] | undefined; badOrigins: string[] } {
  const entries = (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0) return { origins: undefined, badOrigins: [] };
  const origins: string[] = [];
  const badOrigins: string[] = [];
  for (const entry of entries) {
    if (entry === '*') {
      origins.push('*');
      continue;
    }
    let origin = 'null';
    try {
      origin = new URL(entry).origin;
    } catch {
      /* not a URL */
    }
    if (origin === 'null') badOrigins.push(entry);
    else if (!origins.includes(origin)) origins.push(origin);
  }
  return { origins, badOrigins };
}
