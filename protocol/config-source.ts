/**
 * Merges `PLAYGROUND_*` environment variables with `--kebab-case=value` (or `--flag value`)
 * command-line flags into one record keyed by the env name; flags win. Pure: every process
 * validates the result with its own schema and reports all problems at once.
 */
export function configSource(env: Record<string, string | undefined>, argv: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('PLAYGROUND_') && value !== undefined) out[key] = value;
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = arg.match(/^--([a-z][a-z0-9-]*)(?:=(.*))?$/);
    if (!m) continue;
    const key = `PLAYGROUND_${m[1]!.replace(/-/g, '_').toUpperCase()}`;
    if (m[2] !== undefined) out[key] = m[2];
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) out[key] = argv[++i]!;
    else out[key] = 'true';
  }
  return out;
}

/** Formats validation issues as one message listing each bad setting. */
export function formatConfigIssues(issues: Array<{ path: PropertyKey[]; message: string }>): string {
  return `invalid configuration:\n${issues.map((i) => `  - ${String(i.path[0] ?? '?')}: ${i.message}`).join('\n')}`;
}

/** Joins the messages of several failed validations into one. */
export function formatConfigIssuesList(messages: string[]): string {
  return messages.join('\n');
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/**
 * The PLAYGROUND_* names in `source` that no setting has, each with the nearest real name when
 * one is close: a misspelled setting is otherwise ignored without a word (`…_API_KEY`
 * for `…_API_KEYS` left the run endpoints open).
 */
export function unknownSettings(source: Record<string, string>, known: Iterable<string>): string[] {
  const names = [...new Set(known)];
  const out: string[] = [];
  for (const key of Object.keys(source).sort()) {
    if (names.includes(key)) continue;
    let best: string | undefined;
    let bestDistance = 4;
    for (const name of names) {
      const d = editDistance(key, name);
      if (d < bestDistance) [best, bestDistance] = [name, d];
    }
    out.push(best ? `${key} is not a setting (did you mean ${best}?); it is ignored` : `${key} is not a setting; it is ignored`);
  }
  return out;
}
