import { test } from 'node:test';
import assert from 'node:assert/strict';
import lz from 'lz-string';
import { checkFiles, describeProgram, parseFilesOption } from '../../web/src/embed-files.ts';
import { carryOut, type EmbedControls } from '../../web/src/embed-commands.ts';

const files = [
  { name: 'main.ts', content: "import { x } from './lib/x';\nconsole.log(x);" },
  { name: 'lib/x.ts', content: 'export const x = 1;' },
];

test('files= in the embed URL: plain JSON (what embed.js writes) or lz-string (as share links carry it)', () => {
  assert.deepEqual(parseFilesOption(JSON.stringify(files), null), { ok: true, program: { files } });
  assert.deepEqual(parseFilesOption(lz.compressToEncodedURIComponent(JSON.stringify(files)), 'lib/x.ts'), { ok: true, program: { files, entry: 'lib/x.ts' } });
  assert.equal(parseFilesOption('[not json', null).ok, false);
  assert.equal(parseFilesOption('%%%', null).ok, false);
});

test("a list the server would refuse is refused with the rule it breaks, named as the server names it", () => {
  const refused = (list: unknown, entry?: unknown) => {
    const r = checkFiles(list, entry);
    assert.equal(r.ok, false);
    return (r as { error: string }).error;
  };
  assert.match(refused([{ name: '../x.js', content: '' }]), /^files\.0\.name: file name "\.\.\/x\.js" must not contain a "\." or "\.\." segment$/);
  assert.match(refused([{ name: '/abs.js', content: '' }]), /no leading \//);
  assert.match(refused([{ name: 'a b.js', content: '' }]), /may only contain/);
  assert.match(refused([{ name: 'a.js', content: '' }, { name: 'a.js', content: '' }]), /"a\.js" appears twice/);
  assert.match(refused(Array.from({ length: 33 }, (_, i) => ({ name: `f${i}.js`, content: '' }))), /at most 32 files/);
  assert.match(refused([]), /at least one file/);
  assert.match(refused('main.js'), /^files: /);
  assert.match(refused([{ name: 'a.js', content: 1 }]), /^files\.0\.content: /);
  assert.match(refused(files, 'nope.ts'), /^entry: entry "nope\.ts" names no file$/);
  assert.match(refused(files, 3), /^entry: must be a string/);
});

test('what the host learns of a program: code alone for one file, files and entry for several', () => {
  assert.deepEqual(describeProgram([files[0]!], undefined), { code: files[0]!.content });
  assert.deepEqual(describeProgram(files, undefined), { code: files[0]!.content, files, entry: 'main.ts' });
  assert.deepEqual(describeProgram(files, 'lib/x.ts'), { code: files[1]!.content, files, entry: 'lib/x.ts' });
});

test('setFiles is carried out only with a valid list; refusals carry BAD_REQUEST and the rule', () => {
  const done: unknown[] = [];
  const controls: EmbedControls = {
    run: () => done.push('run'),
    stop: () => done.push('stop'),
    getSource: () => ({ code: '' }),
    setSource: (code) => done.push({ setSource: code }),
    setFiles: (program) => done.push({ setFiles: program }),
    setTheme: () => undefined,
    setReadOnly: () => undefined,
    sendStdin: () => true,
  };
  assert.deepEqual(carryOut('setFiles', { files, entry: 'main.ts' }, controls), { ok: true });
  assert.deepEqual(done, [{ setFiles: { files, entry: 'main.ts' } }]);
  const bad = carryOut('setFiles', { files: [{ name: 'x/../y.js', content: '' }] }, controls);
  assert.equal(bad.ok, false);
  assert.equal((bad as { code: string }).code, 'BAD_REQUEST');
  assert.match((bad as { error: string }).error, /^args\.files\.0\.name: file name "x\/\.\.\/y\.js"/);
  assert.equal(carryOut('setFiles', null, controls).ok, false);
  assert.deepEqual(carryOut('launch', {}, controls), { ok: false, code: 'BAD_REQUEST', error: 'unknown command "launch"' });
  assert.equal(done.length, 1);
});
