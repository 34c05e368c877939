// The embed's postMessage protocol (docs/embed.md). Every message carries this channel name.
export const CHANNEL = 'node-playground';

export type EmbedEventName = 'ready' | 'change' | 'run-start' | 'output' | 'run-end' | 'resize';
export type EmbedCommand = 'ping' | 'run' | 'stop' | 'setSource' | 'getSource' | 'setFiles' | 'setTheme' | 'setReadOnly' | 'sendStdin';

export interface CommandMessage {
  channel: typeof CHANNEL;
  type: 'command';
  id?: string | number;
  command: EmbedCommand;
  args?: Record<string, unknown>;
}

export function isCommand(data: unknown): data is CommandMessage {
  const d = data as Partial<CommandMessage> | null;
  return !!d && typeof d === 'object' && d.channel === CHANNEL && d.type === 'command' && typeof d.command === 'string';
}

/** Origins allowed to send commands: `origins=` in the embed URL (comma-separated); none given = any. */
export function originAllowed(origin: string, allowlist: readonly string[] | undefined): boolean {
  return allowlist === undefined || allowlist.includes('*') || allowlist.includes(origin);
}
