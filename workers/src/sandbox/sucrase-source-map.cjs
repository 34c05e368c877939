'use strict';
// sucrase's source map (line for line, each token at its new column), with the token columns
// counted right. sucrase walks the source once and takes one token per position; an empty
// template chunk (`${a}` at the end of a template) starts where the next token starts, so the
// walk stopped there and every later token of the file lost its column (sucrase issue #825,
// open): a TypeScript ES module's error after such a template pointed at the wrong column, and
// so did the playground's link to it (a user trial). Installed over sucrase's own before any
// transform; bundled with the runner's TypeScript support (typescript-runtime.ts).
const { GenMapping, maybeAddSegment, toEncodedMap } = require('@jridgewell/gen-mapping');
const sourceMaps = require('sucrase/dist/computeSourceMap');

const LINE_FEED = 10;

/** The 0-based column of each token's start; tokens that start at one position share it. */
function sourceColumns(code, tokens) {
  const columns = Array.from({ length: tokens.length });
  let tokenIndex = 0;
  let lineStart = 0;
  for (let i = 0; i < code.length && tokenIndex < tokens.length; i++) {
    while (tokenIndex < tokens.length && tokens[tokenIndex].start === i) columns[tokenIndex++] = i - lineStart;
    if (code.charCodeAt(i) === LINE_FEED) lineStart = i + 1;
  }
  return columns;
}

function computeSourceMap({ code: generatedCode, mappings: rawMappings }, filePath, options, source, tokens) {
  const columns = sourceColumns(source, tokens);
  const map = new GenMapping({ file: options.compiledFilename });
  let tokenIndex = 0;
  let currentMapping = rawMappings[0];
  while (currentMapping === undefined && tokenIndex < rawMappings.length - 1) currentMapping = rawMappings[++tokenIndex];
  let line = 0;
  let lineStart = 0;
  if (currentMapping !== lineStart) maybeAddSegment(map, line, 0, filePath, line, 0);
  for (let i = 0; i < generatedCode.length; i++) {
    if (i === currentMapping) {
      maybeAddSegment(map, line, currentMapping - lineStart, filePath, line, columns[tokenIndex]);
      while ((currentMapping === i || currentMapping === undefined) && tokenIndex < rawMappings.length - 1) currentMapping = rawMappings[++tokenIndex];
    }
    if (generatedCode.charCodeAt(i) === LINE_FEED) {
      line++;
      lineStart = i + 1;
      if (currentMapping !== lineStart) maybeAddSegment(map, line, 0, filePath, line, 0);
    }
  }
  const { sourceRoot: _root, sourcesContent: _contents, ...sourceMap } = toEncodedMap(map);
  return sourceMap;
}

sourceMaps.default = computeSourceMap;
module.exports = { computeSourceMap };
