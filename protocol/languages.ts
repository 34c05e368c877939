/** Language ids and aliases accepted by the run protocol (contract: Languages). */
export const LANGUAGES = ['javascript', 'typescript'] as const;
export type Language = (typeof LANGUAGES)[number];
/** The same as `Language`; the name the server side has used. */
export type LanguageId = Language;

export const LANGUAGE_ALIASES: Readonly<Record<string, Language>> = Object.freeze({
  javascript: 'javascript',
  js: 'javascript',
  node: 'javascript',
  'node-js': 'javascript',
  typescript: 'typescript',
  ts: 'typescript',
});

/** Resolves an id or alias (case-insensitive); undefined when the language is not supported. */
export function resolveLanguage(name: unknown): Language | undefined {
  if (typeof name !== 'string') return undefined;
  const key = name.trim().toLowerCase();
  return Object.prototype.hasOwnProperty.call(LANGUAGE_ALIASES, key) ? LANGUAGE_ALIASES[key] : undefined;
}

/** The aliases of one language, without its id (Piston's runtimes list). */
export function languageAliases(id: Language): string[] {
  return Object.entries(LANGUAGE_ALIASES)
    .filter(([alias, target]) => target === id && alias !== id)
    .map(([alias]) => alias);
}
