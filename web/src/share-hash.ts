import { readShare, type SharedSource } from './share.ts';

/**
 * A share link is read once: the page loads its code, then drops the hash, so a reload shows
 * the autosave (later edits) rather than the link's old code (B4). The hash that Share writes
 * stays only until the next edit, for the same reason. A damaged link is dropped too.
 */
export function takeShare(): ReturnType<typeof readShare> {
  const read = readShare(location.hash);
  if (read.kind !== 'none') clearHash();
  return read;
}

export function takeSharedSource(): SharedSource | undefined {
  const read = takeShare();
  return read.kind === 'source' ? read.source : undefined;
}

export function clearHash(): void {
  if (!location.hash) return;
  // replaceState, not location.hash = '': no history entry and no hashchange event.
  history.replaceState(history.state, '', location.pathname + location.search);
}

/** A share link pasted into the address bar of an open playground (B5): only the hash changes. */
export function onSharedHash(load: (source: SharedSource) => void, damaged: () => void): () => void {
  const handler = () => {
    const read = takeShare();
    if (read.kind === 'source') load(read.source);
    else if (read.kind === 'damaged') damaged();
  };
  window.addEventListener('hashchange', handler);
  return () => window.removeEventListener('hashchange', handler);
}
