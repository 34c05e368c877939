import { test } from 'node:test';
import assert from 'node:assert/strict';
import { terminalAnsi } from '../../web/src/ansi.ts';

const html = (text: string) => terminalAnsi().ansi_to_html(text);

test('background colours come as classes styles.css colours (they were dropped: a user trial)', () => {
  assert.equal(html('\x1b[41m bg \x1b[0m'), '<span class="ansi-red-bg"> bg </span>');
  assert.equal(html('\x1b[30;103mx'), '<span class="ansi-black-fg ansi-bright-yellow-bg">x</span>');
});

test('inverse swaps the colours, the page\'s own where the program set none; 27 and 0 end it', () => {
  assert.equal(html('\x1b[7m PASS \x1b[27m ok'), '<span class="ansi-inverse-fg ansi-inverse-bg"> PASS </span> ok');
  assert.equal(html('\x1b[31;7mx\x1b[0my'), '<span class="ansi-inverse-fg ansi-red-bg">x</span>y');
  assert.equal(html('\x1b[32;44;7mx'), '<span class="ansi-blue-fg ansi-green-bg">x</span>');
});

test('a 256-colour or RGB argument of 7, 8 or 9 is a colour, not an attribute', () => {
  assert.doesNotMatch(html('\x1b[38;5;7mx\x1b[48;5;9my\x1b[38;2;7;8;9mz'), /inverse|concealed|crossed/);
});

test('concealed and crossed-out text keep their text, marked', () => {
  assert.equal(html('\x1b[8msecret\x1b[28m \x1b[9mold\x1b[29m new'), '<span class="ansi-concealed">secret</span> <span class="ansi-crossed-out">old</span> new');
});

test('each converter keeps its own state across calls, as a stream does', () => {
  const out = terminalAnsi();
  const err = terminalAnsi();
  assert.equal(out.ansi_to_html('\x1b[7ma'), '<span class="ansi-inverse-fg ansi-inverse-bg">a</span>');
  assert.equal(err.ansi_to_html('b'), 'b');
  assert.equal(out.ansi_to_html('c'), '<span class="ansi-inverse-fg ansi-inverse-bg">c</span>');
});

// An attacker trial: a program's terminal hyperlink (OSC 8) was a plain link: clicking it took the
// playground page itself away, to a place the program's text could disguise. It opens in a new
// tab, without an opener or referrer, and its address shows on hover.
test('a terminal hyperlink opens in a new tab, without opener or referrer, its address in its title', () => {
  assert.equal(
    html('\x1b]8;;https://evil.example/x?a=1&b="2"\x1b\\TEXT\x1b]8;;\x1b\\'),
    '<a href="https://evil.example/x?a=1&amp;b=&quot;2&quot;" target="_blank" rel="noopener noreferrer nofollow" title="https://evil.example/x?a=1&amp;b=&quot;2&quot;">TEXT</a>',
  );
  assert.doesNotMatch(html('\x1b]8;;javascript:alert(1)\x1b\\X\x1b]8;;\x1b\\'), /href/);
});

// An attacker trial: a program that printed `\x1b[` or `\x1b]8;` and then never ended the
// sequence had all its later output held back as "incomplete", and every chunk rescanned all of
// it (a megabyte cost the page 4.4 s of CPU, and nothing showed). Past 4 KiB (no real sequence
// is that long) the escape is dropped and what followed it shows as text.
test('an escape sequence that never ends is given up after 4 KiB: its text shows, nothing more is held', () => {
  for (const start of ['\x1b[', '\x1b]8;']) {
    const ansi = terminalAnsi();
    let shown = ansi.ansi_to_html(`before ${start}`);
    for (let i = 0; i < 100; i++) shown += ansi.ansi_to_html('1'.repeat(1000));
    const held = (ansi as unknown as { _buffer: string })._buffer.length;
    assert.ok(held <= 4096, `${JSON.stringify(start)}: ${held} characters held back`);
    assert.ok(shown.startsWith('before '), shown.slice(0, 40));
    assert.ok(shown.replace(/<[^>]*>/g, '').length >= 96_000, `${JSON.stringify(start)}: only ${shown.length} characters shown`);
  }
});

test('a sequence split across chunks still applies once it ends', () => {
  const ansi = terminalAnsi();
  assert.equal(ansi.ansi_to_html('a\x1b[3') + ansi.ansi_to_html('1mb'), 'a<span class="ansi-red-fg">b</span>');
});
