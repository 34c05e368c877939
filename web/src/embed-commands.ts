// The commands a host page sends an embed (docs/embed.md, "postMessage API"): each is checked
// here and carried out through the embed's controls; a refusal says which rule it broke, with a
// protocol error code, so the host learns why instead of waiting.
import type { PublicErrorCode } from '../../protocol/errors.ts';
import { checkFiles, type FilesProgram } from './embed-files.ts';
import { parseThemeChoice, type ThemeChoice } from './theme.ts';
import type { EmbedCommand } from './embed-api.ts';

/** What a command can do to the embed. */
export interface EmbedControls {
  run(): void;
  stop(): void;
  /** `{code, language}`; with several files also `files` and `entry` (`code` is then the entry's). */
  getSource(): Record<string, unknown>;
  /** The program becomes this one file. */
  setSource(code: string): void;
  setFiles(program: FilesProgram): void;
  setTheme(choice: ThemeChoice): void;
  setReadOnly(readOnly: boolean): void;
  /** False when no run is going (the data would go nowhere). */
  sendStdin(data: string): boolean;
}

export type CommandResult = { ok: true; result?: unknown } | { ok: false; code: PublicErrorCode; error: string };

const COMMANDS: ReadonlySet<string> = new Set<EmbedCommand>(['ping', 'run', 'stop', 'setSource', 'getSource', 'setFiles', 'setTheme', 'setReadOnly', 'sendStdin']);

const refuse = (error: string): CommandResult => ({ ok: false, code: 'BAD_REQUEST', error });

/**
 * The fields of a command message: `id` (optional, a string or a number: the reply carries it
 * back) and `command` (a string). A message that breaks either is refused with a reply that
 * says so, instead of being dropped (a host waited for a timeout on `command: {}`); the reply
 * carries the id only when it is one, and the command's name whenever it is a string.
 */
export function checkCommand(msg: { id?: unknown; command?: unknown }): { ok: true; id?: string | number; command: string } | { ok: false; id?: string | number; command?: string; refusal: CommandResult } {
  const idOk = msg.id === undefined || typeof msg.id === 'string' || (typeof msg.id === 'number' && Number.isFinite(msg.id));
  const id = idOk ? (msg.id as string | number | undefined) : undefined;
  // The reply then names the command instead: the only thing left to tell the host which it was.
  if (!idOk) return { ok: false, ...(typeof msg.command === 'string' ? { command: msg.command } : {}), refusal: refuse('id must be a string or a number (the reply carries it back)') };
  if (typeof msg.command !== 'string') return { ok: false, id, refusal: refuse(`command must be a string, one of ${[...COMMANDS].join(', ')}`) };
  return { ok: true, id, command: msg.command };
}

export function carryOut(command: string, rawArgs: unknown, c: EmbedControls): CommandResult {
  if (!COMMANDS.has(command)) return refuse(`unknown command ${JSON.stringify(command.slice(0, 40))}`);
  const args = (typeof rawArgs === 'object' && rawArgs !== null ? rawArgs : {}) as Record<string, unknown>;
  switch (command as EmbedCommand) {
    case 'ping':
      return { ok: true, result: { ready: true } };
    case 'run':
      c.run();
      return { ok: true };
    case 'stop':
      c.stop();
      return { ok: true };
    case 'getSource':
      return { ok: true, result: c.getSource() };
    case 'setSource':
      if (typeof args.code !== 'string') return refuse('args.code must be a string');
      c.setSource(args.code);
      return { ok: true };
    case 'setFiles': {
      const checked = checkFiles(args.files, args.entry);
      if (!checked.ok) return refuse(`args.${checked.error}`);
      c.setFiles(checked.program);
      return { ok: true };
    }
    case 'setTheme':
      // Checked, not coerced: 'pink' used to become 'auto' and still answer ok.
      if (args.theme !== 'light' && args.theme !== 'dark' && args.theme !== 'auto') return refuse("args.theme must be 'light', 'dark' or 'auto'");
      c.setTheme(parseThemeChoice(args.theme));
      return { ok: true };
    case 'setReadOnly':
      // A boolean, not anything truthy: {readOnly: 'false'} made the editor read-only.
      if (typeof args.readOnly !== 'boolean') return refuse('args.readOnly must be a boolean');
      c.setReadOnly(args.readOnly);
      return { ok: true };
    case 'sendStdin':
      if (typeof args.data !== 'string') return refuse('args.data must be a string');
      if (!c.sendStdin(args.data)) return refuse('no program is running: stdin goes to a running program (send run first)');
      return { ok: true };
  }
}
