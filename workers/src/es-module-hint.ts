import type { RunRequest } from '../../protocol/index.ts';

/**
 * A line that starts with `import` or `export`, an unindented `await` (a top-level one; awaits
 * in function bodies are indented), or a dynamic `import(`: what sends a program through Node's
 * ES-module loader. Comments and strings are not told apart: a guess is enough.
 */
const MODULE_SYNTAX = /^(?:[ \t]*(?:import[\s{*'"]|export[\s{*])|await\s)|\bimport\s*\(/m;
const MODULE_FILE = /\.m[jt]s$/;

/**
 * Whether a program may load ES modules, guessed from its source before it runs (the runner
 * decides inside the sandbox and cannot tell the worker host). Wrong either way, it costs only
 * time: a boot prepares the loader for nothing (CPU), or a program builds it on its first byte.
 */
export function mayUseEsModules(request: Pick<RunRequest, 'code' | 'files'>): boolean {
  if (request.files) return request.files.some((f) => MODULE_FILE.test(f.name) || MODULE_SYNTAX.test(f.content));
  return MODULE_SYNTAX.test(request.code);
}
