/**
 * Log lines whose JSON object repeats a top-level key (`{"hostId":"a","hostId":"a",…}`):
 * JSON.parse keeps the last one silently, but strict parsers and log pipelines reject or
 * mangle such lines. Keys are read off the text itself, as JSON.parse cannot show them.
 */
export function linesWithDuplicateKeys(logs: string): string[] {
  return logs.split('\n').filter((line) => {
    const keys = topLevelKeys(line.trim());
    return keys !== undefined && new Set(keys).size !== keys.length;
  });
}

function topLevelKeys(line: string): string[] | undefined {
  if (!line.startsWith('{')) return undefined;
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      const start = i;
      for (i++; i < line.length && line[i] !== '"'; i++) if (line[i] === '\\') i++;
      if (depth === 1 && expectKey) keys.push(line.slice(start + 1, i));
      expectKey = false;
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = c === '{' && depth === 1;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
  }
  return keys;
}
