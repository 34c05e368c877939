/** A place in the text as Monaco counts it: 1-based line, 1-based column in UTF-16 units. */
export interface TextPlace {
  line: number;
  column: number;
}

/**
 * Where a press at (x, y) falls in the text of `root`: the caret the reader meant when they
 * clicked the code preview before the editor was there (it opened with the caret at 1:1, so what
 * they typed next landed at the start of the code: a user trial). Undefined outside the text.
 */
export function placeAt(root: Element, x: number, y: number): TextPlace | undefined {
  const doc = root.ownerDocument;
  let node: Node | undefined;
  let offset = 0;
  const position = doc.caretPositionFromPoint?.(x, y);
  if (position) {
    node = position.offsetNode;
    offset = position.offset;
  } else {
    const range = doc.caretRangeFromPoint?.(x, y);
    if (range) {
      node = range.startContainer;
      offset = range.startOffset;
    }
  }
  if (!node || !root.contains(node)) return undefined;
  const before = doc.createRange();
  before.setStart(root, 0);
  before.setEnd(node, offset);
  return placeOfOffset(before.toString());
}

/** The place just after `textBefore`. */
export function placeOfOffset(textBefore: string): TextPlace {
  const lastBreak = textBefore.lastIndexOf('\n');
  let line = 1;
  for (let i = textBefore.indexOf('\n'); i >= 0; i = textBefore.indexOf('\n', i + 1)) line++;
  return { line, column: textBefore.length - lastBreak };
}
