'use strict';
// TypeScript support INSIDE the sandbox. preflight.ts bundles this file with sucrase into one
// script that the runner loads at boot (with a V8 code cache), so a TypeScript program is
// transpiled by its own sandbox: its time, CPU, memory and any crash belong to that run alone.
//
// sucrase removes types token by token and keeps every line where it was, so a stack trace's
// line numbers are the .ts file's even before the source map (which fixes the columns).
const { transform } = require('sucrase');
// Before any transform: sucrase's source maps with its token columns counted right.
require('./sucrase-source-map.cjs');
const { parse } = require('sucrase/dist/parser');
const { TokenType } = require('sucrase/dist/parser/tokenizer/types');
const TokenProcessor = require('sucrase/dist/TokenProcessor').default;

// sucrase removes a type token together with the whitespace before it, keeping only newlines:
// lines stay, columns move. Blanking both instead (every character but a line break becomes a
// space, as Node's own type stripping does) keeps every column of every line that only loses
// types, so a CommonJS .ts file runs under its own name with exact positions and no source
// map. Lines where code is generated (enums, parameter properties) shift after that point.
const blank = (text) => text.replace(/[^\r\n]/g, ' ');
TokenProcessor.prototype.removeToken = function () {
  this.resultCode += blank(this.previousWhitespaceAndComments());
  this.appendTokenPrefix();
  this.resultMappings[this.tokenIndex] = this.resultCode.length;
  const token = this.tokens[this.tokenIndex];
  this.resultCode += blank(this.code.slice(token.start, token.end));
  this.appendTokenSuffix();
  this.tokenIndex++;
};
TokenProcessor.prototype.removeInitialToken = function () {
  const token = this.tokens[this.tokenIndex];
  this.replaceToken(blank(this.code.slice(token.start, token.end)));
};

/** A syntax error, already formatted as Node prints one (file:line, the line, a caret). */
class TypeScriptSyntaxError extends Error {}

/**
 * sucrase drops a namespace as if it held only types: one that declares values would silently
 * vanish. Such a file (line-start `namespace X {` whose body declares a value) goes to amaro
 * (Node's own TypeScript transformer, swc in WebAssembly, ~100 ms to load), inside the run's
 * limits; a namespace of types only, or `declare namespace`, stays with sucrase.
 */
const NAMESPACE_RE = /^[ \t]*(?:export[ \t]+)?(?:namespace|module)[ \t]+[A-Za-z_$][\w$.]*[ \t]*\{/gm;
const VALUE_RE = /\b(?:const|let|var|function|class|enum)\b/;

function findValueNamespace(source) {
  NAMESPACE_RE.lastIndex = 0;
  for (let m = NAMESPACE_RE.exec(source); m; m = NAMESPACE_RE.exec(source)) {
    let depth = 0;
    let end = source.length;
    for (let i = m.index + m[0].length - 1; i < source.length; i++) {
      const c = source[i];
      if (c === '{') depth++;
      else if (c === '}' && --depth === 0) {
        end = i;
        break;
      }
    }
    if (VALUE_RE.test(source.slice(m.index + m[0].length, end))) return m.index + m[0].search(/namespace|module/);
  }
  return -1;
}

function formatError(fileLabel, source, line, column, message) {
  const lineText = source.split('\n')[line - 1] ?? '';
  return `${fileLabel}:${line}\n${lineText}\n${' '.repeat(Math.max(0, column - 1))}^\n\nSyntaxError: ${message}\n`;
}

function lineColumn(source, index) {
  const before = source.slice(0, index);
  const line = before.split('\n').length;
  return { line, column: index - before.lastIndexOf('\n') };
}

/**
 * Types stripped, module syntax kept as written (the runner detects ES modules as for
 * JavaScript). `toCommonJs` adds sucrase's import transform, for an ES-module .ts file that a
 * CommonJS file requires. Throws TypeScriptSyntaxError with Node's layout.
 */
function transpile(source, { filePath, fileLabel, sourceMapFile, toCommonJs, runtimeDir }) {
  if (hasDecorators(source)) return transpileDecorators(source, { filePath, fileLabel, toCommonJs, runtimeDir });
  const ns = findValueNamespace(source);
  if (ns >= 0) return transpileWithFallback(source, { filePath, fileLabel, ns, runtimeDir });
  let out;
  try {
    out = transform(source, {
      transforms: toCommonJs ? ['typescript', 'imports'] : ['typescript'],
      disableESTransforms: true,
      filePath,
      sourceMapOptions: sourceMapFile ? { compiledFilename: sourceMapFile } : undefined,
    });
  } catch (err) {
    // sucrase: "Error transforming main.ts: Unexpected token (1:19)", loc {line, column} 1-based.
    const loc = err && err.loc;
    const message = String((err && err.message) || err)
      .replace(/^Error transforming [^:]*: /, '')
      .replace(/\s*\(\d+:\d+\)$/, '');
    // No location: the transpiler itself gave up (a stack overflow on absurdly nested input).
    if (!loc) throw new TypeScriptSyntaxError(`${fileLabel}\n\nSyntaxError: TypeScript could not be transpiled: ${message}\n`);
    throw new TypeScriptSyntaxError(formatError(fileLabel, source, loc.line, loc.column, message));
  }
  let code = out.code;
  if (out.sourceMap) {
    out.sourceMap.sourcesContent = [source];
    code += `\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(out.sourceMap)).toString('base64')}\n`;
  }
  return code;
}

let fallback;
/** Whether a program needed amaro or TypeScript's own compiler: its output's positions come from a source map. */
let usedFallback = false;

/**
 * A build product of the worker host in the runtime folder, read and compiled by hand: in a
 * runner started from a startup snapshot, require() knows only Node's built-in modules.
 * Undefined when it is not there.
 */
function loadRuntimeModule(runtimeDir, name) {
  const fs = require('node:fs');
  const vm = require('node:vm');
  const Module = require('node:module');
  const file = `${runtimeDir}/${name}`;
  try {
    const mod = { exports: {} };
    new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file }).runInThisContext()(mod.exports, require, mod, file, runtimeDir);
    return mod.exports;
  } catch {
    return undefined;
  }
}

/**
 * Whether the file has a decorator: an `@` token (sucrase's parser knows decorators; an `@` in
 * a string, a comment or a JSDoc tag is no token). Parsed only when there is an `@` at all.
 */
function hasDecorators(source) {
  if (!source.includes('@')) return false;
  try {
    return parse(source, false, true, false).tokens.some((t) => t.type === TokenType.at);
  } catch {
    return false; // sucrase reports the syntax error itself
  }
}

let tsCompiler;
/**
 * Decorators, which sucrase leaves as written and Node 20 cannot run: TypeScript's own
 * compiler (typescript 5, ~9 MB, ~0.3–0.6 s to load, inside this run's limits; the run pays
 * it, nobody else) transpiles the file as `tsc` does with its defaults, i.e. standard (TC39)
 * decorators lowered for Node 20, not `experimentalDecorators`. Source-mapped.
 */
function transpileDecorators(source, { filePath, fileLabel, toCommonJs, runtimeDir }) {
  tsCompiler ??= loadRuntimeModule(runtimeDir, 'typescript-decorators.cjs');
  if (!tsCompiler) {
    const at = source.indexOf('@');
    const { line, column } = lineColumn(source, at);
    throw new TypeScriptSyntaxError(formatError(fileLabel, source, line, column, 'Decorators need the TypeScript compiler, which is not installed here'));
  }
  const ts = tsCompiler;
  const out = ts.transpileModule(source, {
    fileName: filePath,
    reportDiagnostics: true,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: toCommonJs ? ts.ModuleKind.CommonJS : ts.ModuleKind.Preserve,
      inlineSourceMap: true,
      inlineSources: true,
    },
  });
  const syntax = (out.diagnostics || []).find((d) => d.category === ts.DiagnosticCategory.Error && d.start !== undefined);
  if (syntax) {
    const { line, column } = lineColumn(source, syntax.start);
    throw new TypeScriptSyntaxError(formatError(fileLabel, source, line, column, ts.flattenDiagnosticMessageText(syntax.messageText, '\n')));
  }
  usedFallback = true;
  return out.outputText;
}

function transpileWithFallback(source, { filePath, fileLabel, ns, runtimeDir }) {
  const refuse = (why) => {
    const { line, column } = lineColumn(source, ns);
    throw new TypeScriptSyntaxError(formatError(fileLabel, source, line, column, why));
  };
  fallback ??= loadRuntimeModule(runtimeDir, 'typescript-fallback.cjs');
  if (!fallback) refuse('TypeScript namespaces that declare values need the transformer that is not installed here');
  let out;
  try {
    out = fallback.transformSync(source, { mode: 'transform', sourceMap: true, filename: filePath });
  } catch (err) {
    refuse(String((err && err.message) || err).split('\n')[0]);
  }
  usedFallback = true;
  const map = JSON.parse(out.map);
  map.sourcesContent = [source];
  return `${out.code}\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
}

/**
 * Rewrites the static and dynamic import specifiers of an ES module (`from "x"`, `import "x"`,
 * `import("x")`) through `map`, which returns a replacement or undefined to keep one. Tokens,
 * not text: a string that merely looks like an import is left alone.
 */
function rewriteSpecifiers(code, map) {
  const { tokens } = parse(code, false, false, false);
  let out = '';
  let last = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.type !== TokenType.string) continue;
    const prev = tokens[i - 1];
    const prev2 = tokens[i - 2];
    const isFrom = prev && prev.type === TokenType.name && code.slice(prev.start, prev.end) === 'from';
    const isBare = prev && prev.type === TokenType._import;
    const isDynamic = prev && prev.type === TokenType.parenL && prev2 && prev2.type === TokenType._import;
    if (!isFrom && !isBare && !isDynamic) continue;
    const literal = code.slice(t.start, t.end);
    const value = literal.slice(1, -1);
    const replacement = map(value);
    if (replacement === undefined) continue;
    out += code.slice(last, t.start) + JSON.stringify(replacement);
    last = t.end;
  }
  return last === 0 ? code : out + code.slice(last);
}

/**
 * TypeScript's way with a CommonJS package, in an ES-module file: `import { sum } from 'lodash'`
 * and `import * as _ from 'lodash'` are how TypeScript users write it, and what tsc (with
 * esModuleInterop), ts-node and tsx run; node's ES loader sees only the names its lexer finds in
 * the package's code, none in lodash's bundle (a contract audit: "does not provide an export
 * named 'sum'"). For a package `isCommonJs` names, such an import becomes its default import
 * (the package's module.exports) plus a destructuring, on the same line (the source map holds).
 * JavaScript keeps node's own behaviour.
 */
function interopCommonJsImports(code, isCommonJs) {
  const { tokens } = parse(code, false, false, false);
  let out = '';
  let last = 0;
  let n = 0;
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i].type !== TokenType._import) continue;
    const next = tokens[i + 1];
    if (!next || next.type === TokenType.parenL || next.type === TokenType.dot || next.type === TokenType.string) continue;
    let j = i + 1;
    while (j < tokens.length && !(tokens[j].type === TokenType.name && code.slice(tokens[j].start, tokens[j].end) === 'from' && tokens[j + 1] && tokens[j + 1].type === TokenType.string)) {
      if (tokens[j].type === TokenType.semi || tokens[j].type === TokenType._import) break;
      j++;
    }
    const from = tokens[j];
    if (!from || from.type !== TokenType.name) continue;
    const literal = code.slice(tokens[j + 1].start, tokens[j + 1].end);
    const spec = literal.slice(1, -1);
    if (spec.startsWith('.') || spec.startsWith('/') || !isCommonJs(spec)) continue;
    const clause = code.slice(next.start, from.start).trim();
    const m = /^(?:([A-Za-z_$][\w$]*)\s*(?:,\s*|$))?(?:\*\s*as\s+([A-Za-z_$][\w$]*)|\{([^}]*)\})?$/.exec(clause);
    if (!m || (!m[2] && m[3] === undefined)) continue;
    const local = m[1] || `__pgCjs${n++}`;
    let bindings = '';
    if (m[2]) bindings = `const ${m[2]} = ${local};`;
    else {
      const parts = [];
      const defaults = [];
      for (const item of m[3].split(',').map((s) => s.trim()).filter(Boolean)) {
        const [name, alias] = item.split(/\s+as\s+/);
        if (name === 'default') defaults.push(alias || name);
        else parts.push(alias ? `${name}: ${alias}` : name);
      }
      if (parts.length) bindings += `const { ${parts.join(', ')} } = ${local};`;
      for (const d of defaults) bindings += ` const ${d} = ${local};`;
    }
    let end = tokens[j + 1].end;
    if (tokens[j + 2] && tokens[j + 2].type === TokenType.semi) end = tokens[j + 2].end;
    // The statement's line breaks stay (after it): the lines below keep their numbers.
    const breaks = code.slice(tokens[i].start, end).replace(/[^\n]/g, '');
    out += code.slice(last, tokens[i].start) + `import ${local} from ${literal}; ${bindings.trim()}${breaks}`;
    last = end;
    i = j + 1;
  }
  return last === 0 ? code : out + code.slice(last);
}

/** Boot-time warm-up: compiles sucrase's paths for common TypeScript before any program. */
function warm() {
  const sample = [
    'import type { A } from "./a";',
    'import { b, type C } from "./b";',
    'export interface P<T = unknown> { name: string; value?: T; readonly list: Array<number>; }',
    'type U = { a: number } | string | null;',
    'enum Color { Red, Green = "g", Blue = 4 }',
    'export abstract class Base<T> implements P<T> { constructor(private readonly id: number, public name: string) {} abstract m(): void; readonly list: number[] = []; }',
    'export function f<T extends object>(x: T, y?: number, ...rest: string[]): T | undefined { return (x as unknown as T) ?? undefined; }',
    'const g = async <T,>(v: T): Promise<T> => { const r = await Promise.resolve(v)!; return r satisfies T; };',
    'let n: number = 1, s: string = `t${n}`; const o = { k: n } as const; declare const d: number;',
    'for (const [k, v] of Object.entries(o) as [string, number][]) console.log(k, v, s);',
    'export default class extends Base<string> { m(): void { try { throw new Error("x"); } catch (e: unknown) { console.error(e); } } }',
  ].join('\n');
  // One pass (≈5 ms of CPU at boot, with the code cache) brings the first real transpile to
  // ~1 ms; three passes with the map and CommonJS variants cost ~20 ms for ~0.3 ms more.
  // With a source map, as an ES-module file gets one (the map's code is warmed too).
  transpile(sample, { filePath: 'warm.ts', fileLabel: 'warm.ts', sourceMapFile: 'warm.ts' });
}

/**
 * Boot-time warm-up of a runner started from a startup snapshot. The snapshot keeps the
 * transpiler's objects but none of its compiled code (node builds it with V8's
 * FunctionCodeHandling::kClear), so the first TypeScript program after a boot compiled every
 * function it touched again: ~2.4 ms of its first byte in the transpiler, ~1 ms in
 * prepareProgram. One short file of the common constructs (no source map, no enum or abstract
 * class) goes through both at boot for ~6 ms of CPU, paid only by sandboxes that hold the
 * transpiler (warm()'s fuller sample cost ~2 ms more for ~0.2 ms less). Nothing is written:
 * a CommonJS file has no sibling, and the require hooks it installs are taken back (a
 * JavaScript program must not find `.ts` in require.extensions).
 */
function warmTypical({ workDir, runtimeDir, looksLikeEsm, Module, fs, path }) {
  const sample = [
    'interface User { id: number; name?: string }',
    'type Pair<T> = [T, T];',
    "function greet(user: User, greeting: string = 'hi'): string { return `${greeting} ${user.name ?? user.id}`; }",
    'const pairs: Pair<number>[] = [[1, 2]];',
    'class Box<T> { constructor(private value: T) {} get(): T { return this.value as T; } }',
    'const total = pairs.map(([a, b]: Pair<number>) => a + b).reduce((x, y) => x + y, 0);',
    'console.log(greet({ id: 1 }), new Box(total).get());',
  ].join('\n');
  const saved = ['.ts', '.cts'].map((ext) => [ext, Object.getOwnPropertyDescriptor(Module._extensions, ext)]);
  try {
    prepareProgram({ files: [{ name: '.runner-warm.ts', content: sample }], entry: '.runner-warm.ts', workDir, runtimeDir, looksLikeEsm, Module, fs, path });
  } finally {
    for (const [ext, descriptor] of saved) {
      if (descriptor) Object.defineProperty(Module._extensions, ext, descriptor);
      else delete Module._extensions[ext];
    }
  }
}

/**
 * Whether the file is an ES module by its value imports alone: sucrase drops an import that is
 * unused or used only as a type (as tsc does), which left `import os from "node:os"` a CommonJS
 * file. Node's own type stripping keeps value imports and erases only `import type`, so that is
 * what decides here. Asked only when the transpiled file shows no module syntax.
 */
function keepsValueImport(source, filePath, looksLikeEsm) {
  try {
    return looksLikeEsm(transform(source, { transforms: ['typescript'], disableESTransforms: true, keepUnusedImports: true, filePath }).code);
  } catch {
    return false;
  }
}

const TS_FILE = /\.(?:ts|mts|cts)$/;
const JS_EXT = /\.([cm]?)js$/;
const isRelative = (spec) => spec.startsWith('./') || spec.startsWith('../');
/** A dynamic `import()` of a relative path (a cheap test before parsing for it). */
const DYNAMIC_RELATIVE_IMPORT = /\bimport\s*\(\s*['"`]\.\.?\//;
/** A relative specifier naming a .js, .mjs or .cjs file, as TypeScript lets one name a .ts file. */
const JS_SPECIFIER = /['"`]\.\.?\/[^'"`\n]*\.[cm]?js['"`]/;
/** An import with bindings from a bare specifier (a package): `import … from 'pkg'`. */
const BARE_IMPORT = /\bimport\b[^'"`;]*\bfrom\s*['"][^'"./]/;

/**
 * Whether node's ES loader would load `spec` (a package, or a file of one) as CommonJS: it
 * resolves, its package is not `"type": "module"`, offers no `import` condition, and the file
 * is not `.mjs`. A package that is not installed is left to node's own error.
 */
function commonJsPackage(spec, fromDir, Module, fs, path) {
  if (spec.startsWith('node:') || Module.isBuiltin(spec)) return false;
  let file;
  try {
    file = Module.createRequire(path.join(fromDir, 'noop.js')).resolve(spec);
  } catch {
    return false;
  }
  if (!path.isAbsolute(file) || file.endsWith('.mjs')) return false;
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (!fs.existsSync(manifest)) continue;
    let pkg;
    try {
      pkg = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    } catch {
      return false;
    }
    if (!pkg.name) continue;
    return pkg.type !== 'module' && !hasImportCondition(pkg.exports);
  }
  return false;
}

function hasImportCondition(exportsField) {
  if (!exportsField || typeof exportsField !== 'object') return false;
  return Object.entries(exportsField).some(([key, value]) => key === 'import' || key === 'module' || hasImportCondition(value));
}

/**
 * Makes a program's TypeScript files runnable as they are on disk (the files are already
 * written under `workDir`): each .ts file is transpiled here, once. CommonJS ones are compiled
 * under their own .ts name by a `require` extension; ES-module ones get a sibling `.mjs` (the
 * ES loader of Node 20 cannot be taught `.ts` without an off-thread hooks worker that costs
 * ~70 ms per run) whose relative imports are rewritten to the siblings, and whose inline
 * source map names the .ts file in stack traces. `./util`, `./util.js` and `./util.ts` all
 * reach util.ts, as TypeScript allows. Returns how to start the entry.
 */
function prepareProgram({ files, entry, workDir, runtimeDir, looksLikeEsm, Module, fs, path }) {
  const names = new Set(files.map((f) => f.name));
  const units = new Map();
  let needsSourceMaps = false;
  for (const f of files) {
    // The entry of a TypeScript program is TypeScript whatever its name (Piston's file0.code).
    if ((!TS_FILE.test(f.name) && f.name !== entry) || f.name.endsWith('.d.ts')) continue;
    const abs = path.join(workDir, f.name);
    const base = path.basename(f.name);
    // A CommonJS file runs under its own name with its own columns: no source map. An ES
    // module runs as a sibling .mjs, whose source map names the .ts file; only a file with one
    // of module syntax's words can be one, and only those get a map.
    const source = f.encoding === 'base64' ? Buffer.from(f.content, 'base64').toString('utf8') : f.content;
    const maybeEsm = f.name.endsWith('.mts') || (!f.name.endsWith('.cts') && /\b(?:import|export|await)\b/.test(source));
    const js = transpile(source, { filePath: base, fileLabel: abs, sourceMapFile: maybeEsm ? base : undefined, runtimeDir });
    const esm = f.name.endsWith('.mts') || (maybeEsm && (looksLikeEsm(js) || keepsValueImport(source, base, looksLikeEsm)));
    if (esm) needsSourceMaps = true;
    units.set(abs, { name: f.name, base, source, js, esm, shadow: undefined, commonJs: undefined, runnable: undefined });
  }
  const shadowOf = (abs) => {
    const unit = units.get(abs);
    if (unit.shadow) return unit.shadow;
    const ext = unit.esm ? '.mjs' : '.cjs';
    // A name no file of the program has: `a.cjs`, else `a.ts.cjs`, else `a.ts.1.cjs`… (with
    // a.ts, a.cjs and a.ts.cjs all given, the second choice overwrote the program's own file).
    let shadowName = TS_FILE.test(unit.name) ? unit.name.replace(TS_FILE, ext) : unit.name + ext;
    for (let n = 0; names.has(shadowName); n++) shadowName = n === 0 ? unit.name + ext : `${unit.name}.${n}${ext}`;
    unit.shadow = path.join(workDir, shadowName);
    names.add(path.relative(workDir, unit.shadow));
    let code = unit.esm ? unit.js : runnableCommonJs(abs, unit);
    // Parsing again is needed only when a relative specifier may be there to rewrite.
    if (unit.esm && /['"]\.\.?\//.test(code)) code = rewriteSpecifiers(code, (spec) => importTarget(path.dirname(abs), spec));
    if (unit.esm && BARE_IMPORT.test(code)) code = interopCommonJsImports(code, (spec) => commonJsPackage(spec, path.dirname(abs), Module, fs, path));
    fs.writeFileSync(unit.shadow, code);
    return unit.shadow;
  };
  // A relative specifier that names (or, TypeScript-style, implies) a .ts file of the program.
  const tsTarget = (fromDir, spec) => {
    if (!isRelative(spec)) return undefined;
    const target = path.resolve(fromDir, spec);
    if (units.has(target)) return target;
    if (fs.existsSync(target) && !fs.statSync(target).isDirectory()) return undefined;
    const candidates = JS_EXT.test(target)
      ? [target.replace(JS_EXT, '.$1ts')]
      : [`${target}.ts`, `${target}.mts`, `${target}.cts`, path.join(target, 'index.ts')];
    return candidates.find((c) => units.has(c));
  };
  const importTarget = (fromDir, spec) => {
    const target = tsTarget(fromDir, spec);
    if (!target) return undefined;
    const rel = path.relative(fromDir, shadowOf(target));
    return rel.startsWith('.') ? rel : `./${rel}`;
  };
  // `import('./util')` in a CommonJS file goes to node's ES-module loader, which knows neither
  // util.ts nor the names TypeScript lets it be reached by: as in an ES module, the specifier
  // is rewritten to the unit's runnable sibling (.mjs for an ES module, .cjs otherwise).
  function runnableCommonJs(abs, unit) {
    if (unit.runnable === undefined) {
      unit.runnable = DYNAMIC_RELATIVE_IMPORT.test(unit.js) ? rewriteSpecifiers(unit.js, (spec) => importTarget(path.dirname(abs), spec)) : unit.js;
    }
    return unit.runnable;
  }
  for (const [abs, unit] of units) if (!unit.esm) unit.js = runnableCommonJs(abs, unit);

  // CommonJS: `require('./util')` finds util.ts through the extension list, `./util.js` through
  // this fallback (only for requests from a .ts file, and only when nothing else matched).
  // Installed only for a program whose TypeScript names a relative .js file: the wrapper's
  // frame and its rethrow would otherwise be what a failed require prints (the runner's own
  // minified line instead of node's loader line, as `node main.js` prints it).
  if ([...units.values()].some((u) => JS_SPECIFIER.test(u.source))) {
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, parent, isMain, options) {
      try {
        return resolve.call(this, request, parent, isMain, options);
      } catch (err) {
        const target = parent && parent.filename && TS_FILE.test(parent.filename) ? tsTarget(path.dirname(parent.filename), request) : undefined;
        if (target) return target;
        throw err;
      }
    };
  }
  const compileTs = function (module, filename) {
    const unit = units.get(filename);
    let code;
    if (!unit) code = transpile(fs.readFileSync(filename, 'utf8'), { filePath: path.basename(filename), fileLabel: filename, toCommonJs: true, runtimeDir });
    else if (unit.esm) {
      unit.commonJs ??= transpile(unit.source, { filePath: path.basename(filename), fileLabel: filename, toCommonJs: true, runtimeDir });
      code = unit.commonJs;
    } else code = unit.js;
    module._compile(code, filename);
  };
  for (const ext of ['.ts', '.cts']) Module._extensions[ext] = compileTs;

  if (usedFallback) needsSourceMaps = true;
  const entryAbs = path.join(workDir, entry);
  const unit = units.get(entryAbs);
  if (!unit) return { kind: 'main', file: entryAbs, sourceMaps: needsSourceMaps };
  if (unit.esm) return { kind: 'main', file: shadowOf(entryAbs), sourceMaps: true };
  return { kind: 'compile', file: entryAbs, code: unit.js, sourceMaps: needsSourceMaps };
}

module.exports = { transpile, rewriteSpecifiers, interopCommonJsImports, prepareProgram, warm, warmTypical, TypeScriptSyntaxError };
