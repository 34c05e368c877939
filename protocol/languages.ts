/** Language ids and aliases accepted by the run protocol (contract: Languages). */
export type LanguageId = 'javascript' | 'typescript';

export const LANGUAGE_ALIASES: Readonly<Record<string, LanguageId>> = Object.freeze({
  javascript: 'javascript',
  js: 'javascript',
  node: 'javascript',
  'node-js': 'javascript',
  typescript: 'typescript',
  ts: 'typescript',
});

/** Resolves an id or alias (case-insensitive); undefined when the language is not supported. */
export function resolveLanguage(name: unknown): LanguageId | undefined {
  if (typeof name !== 'string') return undefined;
  const key = name.trim().toLowerCase();
  return Object.prototype.hasOwnProperty.call(LANGUAGE_ALIASES, key) ? LANGUAGE_ALIASES[key] : undefined;
}
