import { useMemo } from 'react';
import { highlight } from '../highlight.ts';
import type { Language } from '../share.ts';

interface Props {
  code: string;
  language: Language;
  /** The reader touched the preview: it becomes the real editor. */
  onActivate: () => void;
}

/**
 * What an embed shows before Monaco is there: the code, highlighted, readable at once. Laid out
 * like Monaco (same font, size, line height, padding) so the swap does not move the text.
 */
export function CodePreview({ code, language, onActivate }: Props) {
  const html = useMemo(() => highlight(code, language), [code, language]);
  return (
    <pre
      className="code-preview"
      tabIndex={0}
      aria-label="Code (press Enter to edit)"
      data-testid="code-preview"
      onPointerDown={onActivate}
      onFocus={onActivate}
      onKeyDown={(e) => e.key === 'Enter' && onActivate()}
    >
      <code dangerouslySetInnerHTML={{ __html: html }} />
    </pre>
  );
}
