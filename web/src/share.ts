import lz from 'lz-string';
import { decompressBounded } from './lz-bounded.ts';

import { resolveLanguage, type Language } from '../../protocol/languages.ts';
import { programFilesSchema, type ProgramFile } from '../../protocol/program-files.ts';

/** The language list is the protocol's (contract: Languages). */
export type { Language };

export interface SharedSource {
  language: Language;
  /** The first file's content (the whole program when there is one file). */
  code: string;
  /** Several files (absent: one file, `code`, named main.js / main.ts). */
  files?: ProgramFile[];
  /** The file run first, when not the first file. */
  entry?: string;
}

/** The default name of a one-file program. */
export function mainFileName(language: Language): string {
  return `main.${language === 'typescript' ? 'ts' : 'js'}`;
}

/** The program's files: `files`, or `code` as the one file main.js / main.ts. */
export function sourceFiles(source: SharedSource): ProgramFile[] {
  return source.files?.length ? source.files : [{ name: mainFileName(source.language), content: source.code }];
}

/** The file run first: `entry`, or the first file. A program opens on it (a shared link too). */
export function entryName(source: SharedSource): string {
  return source.entry ?? sourceFiles(source)[0]!.name;
}

/** A source made of files (one file collapses to plain `code`, as before files existed). */
export function fromFiles(language: Language, files: ProgramFile[], entry?: string): SharedSource {
  if (files.length === 1 && files[0]!.name === mainFileName(language)) return { language, code: files[0]!.content };
  const source: SharedSource = { language, code: files[0]?.content ?? '', files };
  if (entry !== undefined && entry !== files[0]?.name && files.some((f) => f.name === entry)) source.entry = entry;
  return source;
}

/** A language id or alias from a URL; JavaScript when absent or unknown. */
export function languageOrDefault(lang: string | null): Language {
  return resolveLanguage(lang) ?? 'javascript';
}

/**
 * `#lang=typescript&code=<lz-string>`: the code travels compressed in the hash, never to a server.
 * Several files: `#lang=…&files=<lz-string of [{name, content}…]>[&entry=name]`.
 */
export function encodeShare(source: SharedSource): string {
  if (source.files) {
    const entry = source.entry ? `&entry=${encodeURIComponent(source.entry)}` : '';
    return `lang=${source.language}&files=${lz.compressToEncodedURIComponent(JSON.stringify(source.files))}${entry}`;
  }
  return `lang=${source.language}&code=${lz.compressToEncodedURIComponent(source.code)}`;
}

export function decodeShare(hash: string): SharedSource | undefined {
  const read = readShare(hash);
  return read.kind === 'source' ? read.source : undefined;
}

/**
 * A hash as a share link: its program, `none` when it holds no link, or `damaged` when it holds
 * one that cannot be read (cut short, mangled). A truncated `code` often decompresses to "":
 * that is damage unless the link really is the empty program's.
 */
/**
 * What a link may expand to: beyond it the link is taken as damaged. No run takes code this size
 * (the server's cap is 256 KiB), and an attacker trial's 19 KB link expanded to 3 MB (the editor
 * held the page for seconds), an 81 KB one to more than a string may hold (a blank page).
 */
const MAX_SHARED_CHARS = 1024 * 1024;

/** lz-string's expansion, bounded as it goes: undefined when it fails or would be too long. */
export function unpack(packed: string): string | undefined {
  return decompressBounded(packed, MAX_SHARED_CHARS) ?? undefined;
}

export function readShare(hash: string): { kind: 'source'; source: SharedSource } | { kind: 'none' } | { kind: 'damaged' } {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const packedFiles = params.get('files');
  if (packedFiles) {
    const source = decodeFiles(packedFiles, languageOrDefault(params.get('lang')), params.get('entry') ?? undefined);
    return source ? { kind: 'source', source } : { kind: 'damaged' };
  }
  const packed = params.get('code');
  if (packed === null) return { kind: 'none' };
  const code = packed ? unpack(packed) : '';
  if (code === undefined || (code === '' && packed !== lz.compressToEncodedURIComponent(''))) return { kind: 'damaged' };
  return { kind: 'source', source: { language: languageOrDefault(params.get('lang')), code } };
}

export function shareUrl(source: SharedSource, base: string = location.href): string {
  const u = new URL('/', base);
  u.hash = encodeShare(source);
  return u.toString();
}

/** A files link whose list the server would refuse (bad names, duplicates) is no link at all. */
function decodeFiles(packed: string, language: Language, entry: string | undefined): SharedSource | undefined {
  const json = unpack(packed);
  if (!json) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return undefined;
  }
  const files = programFilesSchema.safeParse(parsed);
  if (!files.success) return undefined;
  return fromFiles(language, files.data, entry);
}
