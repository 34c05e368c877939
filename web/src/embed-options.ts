// The embed's options, from its URL (docs/embed.md, "Query options of /embed").
import { decompressFromEncodedURIComponent } from 'lz-string';
import { fromFiles, languageOrDefault, type Language, type SharedSource } from './share.ts';
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
  origins: string[];
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
  const code = (lz ? decompressFromEncodedURIComponent(lz) : null) ?? q.get('code') ?? '';
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
    origins: (q.get('origins') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
  };
}
