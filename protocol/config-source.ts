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
