import { useState } from 'react';

interface Props {
  running: boolean;
  /** The program's stdin is closed: nothing more can be sent this run. */
  closed?: boolean;
  onSend: (line: string) => void;
  onEof: () => void;
}

/**
 * Input for the program. Before a run, lines queue up and go with the run (the program reads
 * them at once); during a run, each line goes as it is sent. Both echo in the console.
 */
export function StdinBar({ running, closed, onSend, onEof }: Props) {
  const [line, setLine] = useState('');
  const [queued, setQueued] = useState(0);
  const open = running && !closed;
  const send = () => {
    onSend(`${line}\n`);
    setLine('');
    if (!running) setQueued((n) => n + 1);
  };
  if (running && queued) setQueued(0);
  // Short enough to show whole in the bar beside its buttons (the longer wording was cut off).
  const placeholder = closed ? 'stdin closed (EOF sent)' : running ? 'Send a line: Enter' : 'Queue a line: Enter';
  return (
    <form
      className="stdin"
      aria-label="Program input"
      onSubmit={(e) => {
        e.preventDefault();
        if (!closed) send();
      }}
    >
      <label htmlFor="stdin-input">stdin</label>
      <input
        id="stdin-input"
        value={line}
        onChange={(e) => setLine(e.target.value)}
        // Esc drops what was typed, and only that; in an empty field it goes on to the page, where
        // it stops a running program (use-run.ts).
        onKeyDown={(e) => {
          if (e.key !== 'Escape' || !line) return;
          e.stopPropagation();
          setLine('');
        }}
        placeholder={placeholder}
        disabled={running && closed}
        autoComplete="off"
      />
      {queued > 0 && !running && (
        <span className="stdin-queued" data-testid="stdin-queued">
          {queued} line{queued === 1 ? '' : 's'} queued
        </span>
      )}
      <button type="submit" disabled={running && closed}>
        {/* One width for both words: the field beside it resized at every run's start and end. */}
        <span className="steady-label">
          <span className="steady-label-sizer" aria-hidden="true">
            {running ? 'Queue' : 'Send'}
          </span>
          <span>{running ? 'Send' : 'Queue'}</span>
        </span>
      </button>
      <button
        type="button"
        disabled={!open}
        onClick={onEof}
        title="Close the program's stdin (EOF, like Ctrl+D)"
      >
        EOF
      </button>
    </form>
  );
}
