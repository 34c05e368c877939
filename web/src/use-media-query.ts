import { useSyncExternalStore } from 'react';

/**
 * Whether a CSS media query matches, kept current as the window changes (rotation, resizing).
 * For what CSS cannot do alone, such as a <select>'s shorter option texts on a phone.
 */
export function useMediaQuery(query: string): boolean {
  return useSyncExternalStore(
    (onChange) => {
      const list = window.matchMedia?.(query);
      list?.addEventListener('change', onChange);
      return () => list?.removeEventListener('change', onChange);
    },
    () => window.matchMedia?.(query).matches ?? false,
    () => false,
  );
}
