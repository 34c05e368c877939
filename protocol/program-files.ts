import { z } from 'zod';
import { utf8ByteLength } from './utf8.ts';

/** Contract v2, "Programs of several files": the rules every file list must pass. */
export const MAX_PROGRAM_FILES = 32;
export const MAX_FILE_NAME_BYTES = 128;

const NAME_CHARS = /^[A-Za-z0-9._\-/]+$/;

/** Why `name` is not an acceptable file name, or undefined when it is. */
export function fileNameProblem(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (utf8ByteLength(name) > MAX_FILE_NAME_BYTES) return `is longer than ${MAX_FILE_NAME_BYTES} bytes`;
  if (!NAME_CHARS.test(name)) return 'may only contain the characters A-Z a-z 0-9 . _ - /';
  if (name.startsWith('/')) return 'must be a relative path (no leading /)';
  const segments = name.split('/');
  if (segments.some((s) => s === '.' || s === '..')) return 'must not contain a "." or ".." segment';
  if (segments.some((s) => s === '')) return 'must not contain an empty segment (// or a trailing /)';
  return undefined;
}

export const fileNameSchema = z.string().superRefine((name, ctx) => {
  const problem = fileNameProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: `file name ${JSON.stringify(name.slice(0, 140))} ${problem}` });
});

/**
 * Standard base64 (whitespace allowed between groups, as Buffer reads it). Linear: written as
 * `…*={0,2}\s*$`, whitespace could end either run, and 20 000 spaces before a bad character
 * took a second to refuse (1 MiB of them, hours).
 */
const BASE64 = /^[A-Za-z0-9+/\s]*(?:=\s*){0,2}$/;

/**
 * A file's content is text, or, with `"encoding":"base64"` (an extension of the contract, for
 * binary files such as Piston clients send), the base64 of its bytes.
 */
export const programFileSchema = z
  .object({ name: fileNameSchema, content: z.string(), encoding: z.enum(['utf8', 'base64']).optional() })
  .refine((f) => f.encoding !== 'base64' || BASE64.test(f.content), { message: 'content is not base64', path: ['content'] });
export type ProgramFile = z.infer<typeof programFileSchema>;

/** 1 to 32 files with valid, distinct names. Their total size is checked against the code cap by the run schema. */
export const programFilesSchema = z
  .array(programFileSchema)
  .min(1, 'files must name at least one file')
  .max(MAX_PROGRAM_FILES, `at most ${MAX_PROGRAM_FILES} files`)
  .superRefine((files, ctx) => {
    const seen = new Set<string>();
    for (const [i, f] of files.entries()) {
      if (seen.has(f.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `file name ${JSON.stringify(f.name)} appears twice` });
      seen.add(f.name);
    }
    // On disk a path cannot be a file and a directory at once.
    for (const [i, f] of files.entries()) {
      const parts = f.name.split('/');
      for (let n = 1; n < parts.length; n++) {
        const dir = parts.slice(0, n).join('/');
        if (seen.has(dir)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `file name ${JSON.stringify(f.name)} needs ${JSON.stringify(dir)} as a directory, but it is also a file` });
      }
    }
  });

/** Piston names a file sent without a name `file<i>.code` (i = its index in files[]). */
export function pistonFileName(name: string | undefined, index: number): string {
  return name === undefined || name === '' ? `file${index}.code` : name;
}

/** Total size of a program: the code's UTF-8, or the files' bytes (decoded when base64). */
export function programBytes(program: { code?: string | undefined; files?: ProgramFile[] | undefined }): number {
  if (program.files) return program.files.reduce((n, f) => n + (f.encoding === 'base64' ? Buffer.byteLength(f.content, 'base64') : utf8ByteLength(f.content)), 0);
  return utf8ByteLength(program.code ?? '');
}

/** The entry file: `entry` when given, else the first file (contract). */
export function entryFile(files: ProgramFile[], entry?: string): ProgramFile | undefined {
  return entry === undefined ? files[0] : files.find((f) => f.name === entry);
}
