import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JSON_SHAPE_LIMITS, jsonShapeProblem } from '../../protocol/json-shape.ts';
import { parseRunMessage } from '../../protocol/client-frames.ts';

test('requests of every kind pass; strings are skipped whatever they hold', () => {
  const files = Array.from({ length: 32 }, (_, i) => ({ name: `f${i}.js`, content: '[[[{{{,:,:'.repeat(1000) + '"\\"\\\\' }));
  for (const body of [{ type: 'run', language: 'js', code: '[' .repeat(100_000) }, { language: 'javascript', version: '*', files, args: Array(100).fill('a'), stdin: ',:'.repeat(50_000) }]) {
    assert.equal(jsonShapeProblem(JSON.stringify(body)), undefined);
  }
});

test('deep nesting and floods of values are refused before parsing (they cost JSON.parse seconds)', () => {
  assert.match(jsonShapeProblem('['.repeat(1_900_000))!, /nests deeper than 32/);
  assert.match(jsonShapeProblem(`{"a":${'{"a":'.repeat(40)}1${'}'.repeat(41)}`)!, /nests deeper/);
  assert.equal(jsonShapeProblem(`${'['.repeat(JSON_SHAPE_LIMITS.maxDepth)}${']'.repeat(JSON_SHAPE_LIMITS.maxDepth)}`), undefined);
  const keys = `{${Array.from({ length: 330_000 }, (_, i) => `"k${i}":1`).join(',')}}`;
  assert.match(jsonShapeProblem(keys)!, /more than 10000 values/);
  // A string with an escaped quote does not end early (its brackets stay inside it).
  assert.equal(jsonShapeProblem(JSON.stringify({ s: '\\"' + '['.repeat(100) })), undefined);
});

test('a run frame too deep is BAD_REQUEST from the shape check, on the worker host\'s parse', () => {
  const r = parseRunMessage(`{"type":"run","x":${'['.repeat(7_000_000)}`, { maxCodeBytes: 256 * 1024, maxStdinBytes: 1024 * 1024, timeoutMs: 10_000, memoryMb: 256 } as never);
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.code, 'BAD_REQUEST');
  assert.match(!r.ok ? r.message : '', /nests deeper than 32/);
});
