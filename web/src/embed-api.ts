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
