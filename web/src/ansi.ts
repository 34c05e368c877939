import { AnsiUp } from 'ansi_up';

interface Colour {
  rgb: number[];
  class_name: string;
}
interface Fragment {
  bold: boolean;
  faint: boolean;
  italic: boolean;
  underline: boolean;
  fg: Colour | null;
  bg: Colour | null;
  text: string;
}
/** ansi_up's own steps, private in its typings: one SGR sequence's numbers, one text span. */
interface Steps {
  process_ansi(packet: { text: string }): void;
  transform_to_html(fragment: Fragment): string;
  process_hyperlink(packet: { url: string; text: string }): string;
  escape_txt_for_html(text: string): string;
}

/**
 * The longest escape sequence held back while its end has not arrived. Real ones are short (an
 * SGR is a few bytes, a hyperlink's address at most 512); one that never ends held back every
 * later byte of its stream, rescanned at every chunk.
 */
const MAX_HELD_SEQUENCE_CHARS = 4096;

/** The page's own colours, swapped in by inverse where the program set none (styles.css). */
const PAGE_BACKGROUND: Colour = { rgb: [], class_name: 'ansi-inverse' };
const PAGE_TEXT: Colour = { rgb: [], class_name: 'ansi-inverse' };

/**
 * ansi_up (colours as classes, styles.css picks them per theme) plus the SGR attributes it
 * drops, which test runners and CLI libraries print: inverse (7, off 27: chalk.inverse, a
 * highlighted label), concealed (8/28) and crossed-out (9/29). Their state is kept per
 * stream like ansi_up's own; the arguments of 38/48 (a 256 or RGB colour) are not attributes.
 */
export function terminalAnsi(): AnsiUp {
  const ansi = new AnsiUp();
  ansi.use_classes = true;
  const steps = ansi as unknown as Steps;
  const processAnsi = steps.process_ansi.bind(ansi);
  const toHtml = steps.transform_to_html.bind(ansi);
  let inverse = false;
  let concealed = false;
  let crossedOut = false;
  steps.process_ansi = (packet) => {
    const args = packet.text.split(';');
    for (let i = 0; i < args.length; i++) {
      const n = parseInt(args[i]!, 10);
      if (Number.isNaN(n) || n === 0) inverse = concealed = crossedOut = false;
      else if (n === 38 || n === 48) i += args[i + 1] === '5' ? 2 : args[i + 1] === '2' ? 4 : 1;
      else if (n === 7 || n === 27) inverse = n === 7;
      else if (n === 8 || n === 28) concealed = n === 8;
      else if (n === 9 || n === 29) crossedOut = n === 9;
    }
    processAnsi(packet);
  };
  // A terminal hyperlink (OSC 8) opens in a new tab, without opener or referrer, its address in
  // its title: as a plain link it took the playground page itself away, to a place the program's
  // text could disguise (an attacker trial). ansi_up keeps only http(s) addresses.
  const hyperlink = steps.process_hyperlink.bind(ansi);
  steps.process_hyperlink = (packet) => {
    const a = hyperlink(packet);
    if (!a) return a;
    const href = steps.escape_txt_for_html.call(ansi, packet.url);
    return a.replace(/^<a href="[^"]*">/, `<a href="${href}" target="_blank" rel="noopener noreferrer nofollow" title="${href}">`);
  };
  steps.transform_to_html = (fragment) => {
    if (!fragment.text) return '';
    let html = toHtml(inverse ? { ...fragment, fg: fragment.bg ?? PAGE_BACKGROUND, bg: fragment.fg ?? PAGE_TEXT } : fragment);
    if (concealed) html = `<span class="ansi-concealed">${html}</span>`;
    if (crossedOut) html = `<span class="ansi-crossed-out">${html}</span>`;
    return html;
  };
  // ansi_up holds an unfinished sequence in `_buffer` until the rest arrives. Past the cap its
  // escape is dropped (as ansi_up drops an illegal one) and what followed it is text.
  const held = ansi as unknown as { _buffer: string };
  const convert = ansi.ansi_to_html.bind(ansi);
  ansi.ansi_to_html = (text: string): string => {
    let html = convert(text);
    while (held._buffer.length > MAX_HELD_SEQUENCE_CHARS) {
      const rest = held._buffer.slice(1);
      held._buffer = '';
      html += convert(rest);
    }
    return html;
  };
  return ansi;
}
