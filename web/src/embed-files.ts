// An embed's program of several files: from its URL (`files=`, `entry=`) or from the host's
// `setFiles` command. Both pass the contract's rules ("Programs of several files") here, so a bad
// list is refused with the rule it breaks before anything runs, worded as the server words it.
import { unpack } from './share.ts';
import { programFilesSchema, type ProgramFile } from '../../protocol/program-files.ts';

export interface FilesProgram {
  files: ProgramFile[];
  /** The file run first; absent: the first file. */
  entry?: string;
}

export type FilesCheck = { ok: true; program: FilesProgram } | { ok: false; error: string };

/** `files` (a list of {name, content}) and an optional `entry`, checked by the contract's rules. */
export function checkFiles(files: unknown, entry: unknown): FilesCheck {
  const parsed = programFilesSchema.safeParse(files);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, error: `files${issue.path.map((p) => `.${String(p)}`).join('')}: ${issue.message}` };
  }
  if (entry === undefined || entry === null || entry === '') return { ok: true, program: { files: parsed.data } };
  if (typeof entry !== 'string') return { ok: false, error: 'entry: must be a string (a file name)' };
  if (!parsed.data.some((f) => f.name === entry)) return { ok: false, error: `entry: entry ${JSON.stringify(entry.slice(0, 140))} names no file` };
  return { ok: true, program: { files: parsed.data, entry } };
}

/**
 * The `files=` query option: the JSON list as it is (what embed.js writes: it has no compressor),
 * or that JSON compressed with lz-string as share links carry it. lz-string's URI alphabet has no
 * `[`, so the first character tells which.
 */
export function parseFilesOption(value: string, entry: string | null): FilesCheck {
  const json = value.trimStart().startsWith('[') ? value : unpack(value);
  if (!json) return { ok: false, error: 'files: neither a JSON list nor lz-string of one' };
  let list: unknown;
  try {
    list = JSON.parse(json);
  } catch {
    return { ok: false, error: 'files: not valid JSON' };
  }
  return checkFiles(list, entry ?? undefined);
}

/** What the host learns of the program (getSource, change): `code` is the entry's, `files` only when several. */
export function describeProgram(files: ProgramFile[], entry: string | undefined): { code: string; files?: ProgramFile[]; entry?: string } {
  if (files.length === 1) return { code: files[0]!.content };
  const main = files.find((f) => f.name === entry) ?? files[0]!;
  return { code: main.content, files, entry: main.name };
}
