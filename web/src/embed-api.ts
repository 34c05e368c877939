// The embed's postMessage protocol (docs/embed.md). Every message carries this channel name.
export const CHANNEL = 'node-playground';

export type EmbedEventName = 'ready' | 'change' | 'run-start' | 'output' | 'run-end' | 'resize';
export type EmbedCommand = 'ping' | 'run' | 'stop' | 'setSource' | 'getSource' | 'setFiles' | 'setTheme' | 'setReadOnly' | 'sendStdin';

/** A message on our channel that asks for a command; its fields are checked by checkCommand (embed-commands.ts). */
export interface CommandMessage {
  channel: typeof CHANNEL;
  type: 'command';
  id?: unknown;
  command?: unknown;
  args?: unknown;
}

export function isCommand(data: unknown): data is CommandMessage {
  const d = data as Partial<CommandMessage> | null;
  // Only the envelope: a command that is malformed inside it still gets a reply saying why.
  return !!d && typeof d === 'object' && d.channel === CHANNEL && d.type === 'command';
}

/** Origins allowed to send commands: `origins=` in the embed URL (comma-separated); none given = any. */
export function originAllowed(origin: string, allowlist: readonly string[] | undefined): boolean {
  return allowlist === undefined || allowlist.includes('*') || allowlist.includes(origin);
}

/**
 * The page the embed sits in, when `origins=` names who may control it: a listed origin, or the
 * embed is not to be controlled at all. An attacker trial: a page that frames a docs page could
 * navigate the docs page's embed to an address with its own origin in `origins=`, and then drive
 * it inside the docs page. `ancestorOrigins` (Chromium, Safari) names the parent's origin; where
 * a browser lacks it, or the embed is a page of its own, `origins=` alone decides, as before.
 * Returns the parent's origin when it is not listed.
 */
export function unlistedParent(allowlist: readonly string[] | undefined, ancestorOrigins: ArrayLike<string> | undefined): string | undefined {
  if (allowlist === undefined || allowlist.includes('*') || !ancestorOrigins || ancestorOrigins.length === 0) return undefined;
  const parent = ancestorOrigins[0]!;
  return allowlist.includes(parent) ? undefined : parent;
}
