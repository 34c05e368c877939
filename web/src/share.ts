import { compressToEncodedURIComponent, decompressFromEncodedURIComponent } from 'lz-string';

import { resolveLanguage, type Language } from '../../protocol/languages.ts';

/** The language list is the protocol's (contract: Languages). */
export type { Language };

export interface SharedSource {
  language: Language;
  code: string;
}

/** A language id or alias from a URL; JavaScript when absent or unknown. */
export function languageOrDefault(lang: string | null): Language {
  return resolveLanguage(lang) ?? 'javascript';
}

/** `#lang=typescript&code=<lz-string>`: the code travels compressed in the hash, never to a server. */
export function encodeShare(source: SharedSource): string {
  return `lang=${source.language}&code=${compressToEncodedURIComponent(source.code)}`;
}

export function decodeShare(hash: string): SharedSource | undefined {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const packed = params.get('code');
  if (!packed) return undefined;
  const code = decompressFromEncodedURIComponent(packed);
  if (code === null || code === undefined) return undefined;
  const lang = params.get('lang');
  return { language: languageOrDefault(lang), code };
}

export function shareUrl(source: SharedSource, base: string = location.href): string {
  const u = new URL('/', base);
  u.hash = encodeShare(source);
  return u.toString();
}
