import { readShare, type SharedSource } from './share.ts';

/**
 * A share link's code is shown, and its hash stays in the address bar until the code is edited
 * (then the page drops it and autosaves, so a reload shows the edits, B4): until then the link
 * is not saved over this browser's work, and a reload shows the link again (an attacker trial:
 * any page could open a link in a popup and close it, and the saved work was gone). The hash
 * that Share writes stays only until the next edit, for the same reason. A damaged link is
 * dropped at once.
 */
export function takeShare(): ReturnType<typeof readShare> {
  const read = readShare(location.hash);
  if (read.kind === 'damaged') clearHash();
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
