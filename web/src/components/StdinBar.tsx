import { useState } from 'react';

export function StdinBar({ enabled, onSend, onEof }: { enabled: boolean; onSend: (line: string) => void; onEof: () => void }) {
  const [line, setLine] = useState('');
  const send = () => {
    onSend(`${line}\n`);
    setLine('');
  };
  return (
    <form
      className="stdin"
      onSubmit={(e) => {
        e.preventDefault();
        if (enabled) send();
      }}
    >
      <label htmlFor="stdin-input">stdin</label>
      <input
        id="stdin-input"
        value={line}
        onChange={(e) => setLine(e.target.value)}
        placeholder={enabled ? 'Type input for the program, Enter sends' : 'Input goes to the running program'}
        disabled={!enabled}
        autoComplete="off"
      />
      <button type="submit" disabled={!enabled}>
        Send
      </button>
      <button type="button" disabled={!enabled} onClick={onEof} title="Close the program's stdin (EOF)">
        EOF
      </button>
    </form>
  );
}
