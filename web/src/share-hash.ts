import { decodeShare, type SharedSource } from './share.ts';

/**
 * A share link is read once: the page loads its code, then drops the hash, so a reload shows
 * the autosave (later edits) rather than the link's old code (B4). The hash that Share writes
 * stays only until the next edit, for the same reason.
 */
export function takeSharedSource(): SharedSource | undefined {
  const shared = decodeShare(location.hash);
  if (shared) clearHash();
  return shared;
}

export function clearHash(): void {
  if (!location.hash) return;
  // replaceState, not location.hash = '': no history entry and no hashchange event.
  history.replaceState(history.state, '', location.pathname + location.search);
}

/** A share link pasted into the address bar of an open playground (B5): only the hash changes. */
export function onSharedHash(load: (source: SharedSource) => void): () => void {
  const handler = () => {
    const shared = takeSharedSource();
    if (shared) load(shared);
  };
  window.addEventListener('hashchange', handler);
  return () => window.removeEventListener('hashchange', handler);
}
