import { useEffect, useRef } from 'react';

const KEYS: ReadonlyArray<[string, string]> = [
  ['Ctrl/⌘ + Enter', 'Run (while running: run the code again)'],
  ['Esc', 'Stop the running program (not in the editor, where Esc is the editor\u2019s; in the stdin field, once it is empty)'],
  ['Shift + Alt + F', 'Format the code'],
  ['Ctrl/⌘ + Z', 'Undo (also undoes loading an example)'],
  ['Ctrl/⌘ + F', 'Find in the code'],
  ['F1', 'All editor commands'],
  ['Esc, then Tab', 'Leave the editor (Tab alone indents)'],
  ['Ctrl + M', 'Tab moves focus out of the editor (on/off)'],
];

/** The keyboard shortcuts, one click away (a disclosure, so it needs no script to be reachable). */
export function Shortcuts() {
  const details = useRef<HTMLDetailsElement>(null);
  // Esc closes it wherever the focus is, as a pop-up is expected to (user probe: it stayed open),
  // and only closes it: the same Esc does not also stop a running program. Listening all along,
  // not from the 'toggle' event on: that event comes a task after the panel opens, and an Esc
  // pressed in between (a loaded CI machine) found no listener and left it open.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || !details.current?.open) return;
      e.preventDefault();
      e.stopPropagation();
      details.current.open = false;
      details.current.querySelector('summary')?.focus();
    };
    window.addEventListener('keydown', onKey, { capture: true });
    return () => window.removeEventListener('keydown', onKey, { capture: true });
  }, []);
  return (
    <details className="shortcuts" ref={details}>
      <summary title="Keyboard shortcuts">
        <span aria-hidden="true">⌨</span>
        <span className="wide-only"> Keys</span>
        <span className="visually-hidden">Keyboard shortcuts</span>
      </summary>
      <dl>
        {KEYS.map(([key, what]) => (
          <div key={key}>
            <dt>
              <kbd>{key}</kbd>
            </dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}
