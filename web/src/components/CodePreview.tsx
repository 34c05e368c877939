import { useMemo, useRef, useState } from 'react';
import { highlight } from '../highlight.ts';
import type { Language } from '../share.ts';
import { placeAt, type TextPlace } from '../preview-caret.ts';

interface Props {
  code: string;
  language: Language;
  /** The reader touched the preview (at `place` in the code, when pressed there): it becomes the real editor. */
  onActivate: (place?: TextPlace) => void;
}

/**
 * What an embed shows before Monaco is there: the code, highlighted, readable at once. Laid out
 * like Monaco (same font, size, line height, padding) so the swap does not move the text.
 */
export function CodePreview({ code, language, onActivate }: Props) {
  const html = useMemo(() => highlight(code, language), [code, language]);
  // Touched before Monaco arrived (seconds on a slow network): what is typed here goes nowhere,
  // so the preview says the editor is coming (a user trial typed into it and lost the text).
  const [waiting, setWaiting] = useState(false);
  const codeRef = useRef<HTMLElement>(null);
  const activate = (place?: TextPlace) => {
    setWaiting(true);
    onActivate(place);
  };
  return (
    <pre
      className="code-preview"
      tabIndex={0}
      aria-label="Code (press Enter to edit)"
      aria-busy={waiting ? 'true' : undefined}
      data-testid="code-preview"
      onPointerDown={(e) => activate(codeRef.current ? placeAt(codeRef.current, e.clientX, e.clientY) : undefined)}
      onFocus={() => activate()}
      onKeyDown={(e) => (e.key === 'Enter' || e.key.length === 1) && activate()}
    >
      {waiting && (
        <span className="code-preview-loading" role="status">
          Loading the editor…
        </span>
      )}
      <code ref={codeRef} dangerouslySetInnerHTML={{ __html: html }} />
    </pre>
  );
}
