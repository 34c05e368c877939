export type ThemeChoice = 'auto' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

const media = () => window.matchMedia?.('(prefers-color-scheme: dark)');

export function resolveTheme(choice: ThemeChoice): Theme {
  if (choice !== 'auto') return choice;
  return media()?.matches ? 'dark' : 'light';
}

/** Applies the theme to the page (CSS reads data-theme) and follows the system while on auto. */
export function applyTheme(choice: ThemeChoice, onChange: (t: Theme) => void): () => void {
  const apply = () => {
    const t = resolveTheme(choice);
    document.documentElement.dataset.theme = t;
    onChange(t);
  };
  apply();
  const m = media();
  if (choice !== 'auto' || !m) return () => undefined;
  m.addEventListener('change', apply);
  return () => m.removeEventListener('change', apply);
}

export function parseThemeChoice(v: string | null | undefined): ThemeChoice {
  return v === 'light' || v === 'dark' ? v : 'auto';
}
