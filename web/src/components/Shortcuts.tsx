const KEYS: ReadonlyArray<[string, string]> = [
  ['Ctrl/⌘ + Enter', 'Run'],
  ['Esc', 'Stop the running program'],
  ['Shift + Alt + F', 'Format the code'],
  ['Ctrl/⌘ + Z', 'Undo (also undoes loading an example)'],
  ['Ctrl/⌘ + F', 'Find in the code'],
  ['F1', 'All editor commands'],
  ['Ctrl + M', 'Tab moves focus out of the editor (on/off)'],
];

/** The keyboard shortcuts, one click away (a disclosure, so it needs no script to be reachable). */
export function Shortcuts() {
  return (
    <details className="shortcuts">
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
