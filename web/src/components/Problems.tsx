import type { Problem } from './Editor.tsx';

interface Props {
  problems: readonly Problem[];
  open: boolean;
  onToggle: () => void;
  onGoTo: (line: number, column: number, file?: string) => void;
}

/**
 * Type (and syntax) errors, as the TypeScript Playground lists them: a count that is always in view and a list
 * that jumps to each one. They never block a run (the run path strips types, like Node does); the
 * Run button says "Run anyway" while there are some.
 */
export function Problems({ problems, open, onToggle, onGoTo }: Props) {
  if (problems.length === 0) return null;
  const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
  return (
    <div className="problems">
      <button type="button" className="problems-count" aria-expanded={open} onClick={onToggle} data-testid="problems-count">
        ⚠ {count}
      </button>
      {open && (
        <ul className="problems-list" aria-label="Problems">
          {problems.map((p, i) => (
            <li key={`${p.file ?? ''}:${p.line}:${p.column}:${i}`}>
              <button type="button" onClick={() => onGoTo(p.line, p.column, p.file)}>
                <span className="problems-where">
                  {p.file ? `${p.file}:` : ''}{p.line}:{p.column}
                </span>{' '}
                {p.message}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
