/**
 * A look at untrusted JSON before JSON.parse sees it. V8's parser takes seconds on some inputs
 * well inside the size caps: 3.8 MB of `[` (1.9 M levels of nesting) cost 2.1 s, 330 000 keys
 * 1.4 s, all on the event loop every client shares (an attacker probe stalled the service for
 * 2.7 s with one /api/run body and 6.5 s with one WebSocket frame). No request of ours nests
 * past a few levels or holds more than a few hundred values, so these bounds are generous, and
 * this linear scan (a few ms for a body at its cap) refuses the rest before parsing.
 */
export const JSON_SHAPE_LIMITS = Object.freeze({
  /** Objects and arrays inside one another. A run nests 3 deep (`{"files":[{…}]}`). */
  maxDepth: 32,
  /** Keys and elements together (each `:` and `,` outside strings). 32 files take ~130. */
  maxValues: 10_000,
});

/** What is wrong with the JSON's shape, or undefined when it may be parsed. Strings are skipped, not checked. */
export function jsonShapeProblem(text: string, limits: { maxDepth: number; maxValues: number } = JSON_SHAPE_LIMITS): string | undefined {
  let depth = 0;
  let values = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: to its closing quote, escapes skipped.
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > limits.maxDepth) return `the JSON nests deeper than ${limits.maxDepth} levels`;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === 0x2c || c === 0x3a) {
      if (++values > limits.maxValues) return `the JSON holds more than ${limits.maxValues} values`;
    }
  }
  return undefined;
}
