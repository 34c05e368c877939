import { test } from 'node:test';
import assert from 'node:assert/strict';
import { carryOut, checkCommand, type EmbedControls } from '../../web/src/embed-commands.ts';

function controls(): EmbedControls & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    run: () => calls.push('run'),
    stop: () => calls.push('stop'),
    getSource: () => ({ code: '', language: 'javascript' }),
    setSource: (code) => calls.push(`setSource ${code}`),
    setFiles: () => calls.push('setFiles'),
    setTheme: (t) => calls.push(`setTheme ${t}`),
    setReadOnly: (r) => calls.push(`setReadOnly ${r}`),
    sendStdin: (d) => (calls.push(`sendStdin ${d}`), true),
  };
}

test('setTheme takes light, dark or auto; anything else is BAD_REQUEST and changes nothing', () => {
  const c = controls();
  for (const theme of ['light', 'dark', 'auto']) assert.deepEqual(carryOut('setTheme', { theme }, c), { ok: true });
  for (const args of [{ theme: 'pink' }, {}, { theme: 1 }, null]) {
    const r = carryOut('setTheme', args, c);
    assert.equal(r.ok, false, JSON.stringify(args));
    assert.equal(!r.ok && r.code, 'BAD_REQUEST');
  }
  assert.deepEqual(c.calls, ['setTheme light', 'setTheme dark', 'setTheme auto']);
});

test('setReadOnly takes a boolean only ({readOnly: "false"} must not lock the editor)', () => {
  const c = controls();
  assert.deepEqual(carryOut('setReadOnly', { readOnly: true }, c), { ok: true });
  assert.deepEqual(carryOut('setReadOnly', { readOnly: false }, c), { ok: true });
  for (const args of [{ readOnly: 'false' }, { readOnly: 'yes' }, {}, { readOnly: 1 }]) {
    const r = carryOut('setReadOnly', args, c);
    assert.equal(!r.ok && r.code, 'BAD_REQUEST', JSON.stringify(args));
  }
  assert.deepEqual(c.calls, ['setReadOnly true', 'setReadOnly false']);
});

test('sendStdin with no program running is refused (the data would go nowhere), not answered ok', () => {
  const idle = { ...controls(), sendStdin: () => false };
  const r = carryOut('sendStdin', { data: 'x\n' }, idle);
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.code === 'BAD_REQUEST' && /no program is running/.test(r.error), JSON.stringify(r));
  const busy = controls();
  assert.deepEqual(carryOut('sendStdin', { data: 'x\n' }, busy), { ok: true });
  assert.deepEqual(busy.calls, ['sendStdin x\n']);
});

test('a command message with a command that is no string, or an id that is neither string nor number, is refused with a reply, not dropped', () => {
  // `command: {}` got no reply at all, so the host waited for a timeout (a user probe).
  const bad = checkCommand({ id: 'x', command: {} });
  assert.equal(bad.ok, false);
  assert.equal(bad.id, 'x', 'the reply still carries the id');
  assert.match(!bad.ok && !bad.refusal.ok ? bad.refusal.error : '', /command must be a string/);
  for (const id of [{}, [1], NaN, null, true]) {
    const r = checkCommand({ id, command: 'run' });
    assert.equal(r.ok, false, JSON.stringify(id));
    assert.equal(r.id, undefined);
    assert.equal(!r.ok && !r.refusal.ok && r.refusal.code, 'BAD_REQUEST');
    // Without a usable id the command's name is what tells the host which message was refused.
    assert.equal(r.command, 'run', JSON.stringify(id));
  }
  // The id is optional (fire-and-forget), a string or a number.
  assert.deepEqual(checkCommand({ command: 'run' }), { ok: true, id: undefined, command: 'run' });
  assert.deepEqual(checkCommand({ id: 7, command: 'ping' }), { ok: true, id: 7, command: 'ping' });
  assert.deepEqual(checkCommand({ id: 'a', command: 'nope' }), { ok: true, id: 'a', command: 'nope' }, 'an unknown name is carryOut\'s to refuse');
});
