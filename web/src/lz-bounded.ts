/**
 * lz-string's `decompressFromEncodedURIComponent` (lz-string 1.5.0, MIT, Pieroxy) with a cap on
 * what it may expand to, checked as it goes. lz-string has no such option, and its output can
 * grow with the square of its input: a 19 KB link expanded to 3 MB, an 81 KB one past what a
 * string may hold, after seconds of work (an attacker trial). Checking the length afterwards
 * refused those links only once that work was done. The algorithm and its results are
 * lz-string's own (a unit test compares them on random texts); only the cap is new.
 */

const URI_SAFE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$';
const BASE_VALUES = new Map([...URI_SAFE_ALPHABET].map((ch, i) => [ch, i]));
/** Bits per character of the URI-safe form. */
const RESET_VALUE = 32;

/**
 * The text `packed` expands to; `null` when it is not a valid lz-string URI component (as
 * lz-string returns) or when its text would pass `maxChars` characters.
 */
export function decompressBounded(packed: string, maxChars: number): string | null {
  if (packed === '') return null;
  const input = packed.replace(/ /g, '+');
  const length = input.length;
  let val = BASE_VALUES.get(input.charAt(0)) ?? 0;
  let position = RESET_VALUE;
  let index = 1;
  const readBits = (count: number): number => {
    let bits = 0;
    for (let power = 1, maxPower = 2 ** count; power !== maxPower; power <<= 1) {
      const bit = val & position;
      position >>= 1;
      if (position === 0) {
        position = RESET_VALUE;
        val = BASE_VALUES.get(input.charAt(index++)) ?? 0;
      }
      if (bit > 0) bits |= power;
    }
    return bits;
  };

  const dictionary: string[] = [];
  let dictSize = 4;
  let numBits = 3;
  let enlargeIn = 4;
  const first = readBits(2);
  if (first === 2) return '';
  // lz-string reads on with an undefined first character here, and garbage follows.
  if (first === 3) return null;
  const c0 = String.fromCharCode(readBits(first === 0 ? 8 : 16));
  dictionary[3] = c0;
  let w = c0;
  const result = [c0];
  let total = 1;
  if (total > maxChars) return null;
  for (;;) {
    if (index > length) return '';
    let code = readBits(numBits);
    if (code === 0 || code === 1) {
      dictionary[dictSize++] = String.fromCharCode(readBits(code === 0 ? 8 : 16));
      code = dictSize - 1;
      enlargeIn--;
    } else if (code === 2) {
      return result.join('');
    }
    if (enlargeIn === 0) {
      enlargeIn = 2 ** numBits;
      numBits++;
    }
    let entry: string;
    const known = dictionary[code];
    if (known) entry = known;
    else if (code === dictSize) entry = w + w.charAt(0);
    else return null;
    total += entry.length;
    if (total > maxChars) return null;
    result.push(entry);
    dictionary[dictSize++] = w + entry.charAt(0);
    enlargeIn--;
    w = entry;
    if (enlargeIn === 0) {
      enlargeIn = 2 ** numBits;
      numBits++;
    }
  }
}
