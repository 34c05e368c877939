import { useState } from 'react';
import { programFilesSchema, type ProgramFile } from '../../../protocol/program-files.ts';

interface Props {
  names: string[];
  active: string;
  /** The file run first (the first file unless chosen). */
  entry: string;
  onSelect(name: string): void;
  /** Without these the tabs only switch files (the embed: the host page chose the files). */
  onAdd?(name: string): void;
  onRename?(from: string, to: string): void;
  onDelete?(name: string): void;
  onSetEntry?(name: string): void;
}

/** Why the list with `name` in it would be refused by the server (the protocol's own rules), or undefined. */
export function namesProblem(names: string[]): string | undefined {
  const files: ProgramFile[] = names.map((name) => ({ name, content: '' }));
  const result = programFilesSchema.safeParse(files);
  return result.success ? undefined : result.error.issues[0]?.message;
}

/** The playground's file tabs: add, rename (double-click), delete, choose the entry. */
export function FileTabs({ names, active, entry, onSelect, onAdd, onRename, onDelete, onSetEntry }: Props) {
  const editable = !!(onAdd && onRename && onDelete && onSetEntry);
  /** The name being typed: a new file (`from` undefined) or a rename of `from`. */
  const [editing, setEditing] = useState<{ from?: string; text: string } | undefined>();
  const problem = editing && editing.text !== editing.from ? namesProblem(editing.from === undefined ? [...names, editing.text] : names.map((n) => (n === editing.from ? editing.text : n))) : undefined;

  const commit = () => {
    if (!editing || problem) return;
    if (editing.from === undefined) onAdd?.(editing.text);
    else if (editing.text !== editing.from) onRename?.(editing.from, editing.text);
    setEditing(undefined);
  };

  return (
    <div className="file-tabs">
      <div role="tablist" aria-label="Files">
        {names.map((name) => (
          <span key={name} className="file-tab" data-active={name === active ? 'true' : 'false'}>
            <button
              type="button"
              role="tab"
              aria-selected={name === active}
              onClick={() => onSelect(name)}
              onDoubleClick={() => editable && setEditing({ from: name, text: name })}
              title={name === entry ? `${name} (entry: runs first)` : editable ? `${name} (double-click to rename)` : name}
            >
              {name === entry && names.length > 1 ? <span aria-label="entry">▶ </span> : null}
              {name}
            </button>
            {editable && names.length > 1 && (
              <button type="button" className="file-tab-close" aria-label={`Delete ${name}`} title={`Delete ${name}`} onClick={() => onDelete?.(name)}>
                ✕
              </button>
            )}
          </span>
        ))}
      </div>
      {editable && (
        <>
          <button type="button" onClick={() => setEditing({ text: nextName(names) })} title="Add a file">
            + File
          </button>
          {/* On a phone, icons: with the words hidden there, renaming took a double-tap nobody
              finds and the entry could not be chosen at all (a user probe). */}
          <button type="button" onClick={() => setEditing({ from: active, text: active })} title="Rename this file" aria-label="Rename">
            <span className="phone-only icon" aria-hidden="true">✎</span>
            <span className="wide-only">Rename</span>
          </button>
        </>
      )}
      {editable && names.length > 1 && active !== entry && (
        <button type="button" onClick={() => onSetEntry?.(active)} title="Run this file first" aria-label="Make entry">
          <span className="phone-only icon" aria-hidden="true">▶</span>
          <span className="wide-only">Make entry</span>
        </button>
      )}
      {editing && (
        <form
          className="file-name-form"
          onSubmit={(e) => {
            e.preventDefault();
            commit();
          }}
        >
          <input
            autoFocus
            aria-label={editing.from === undefined ? 'New file name' : `New name for ${editing.from}`}
            aria-invalid={problem ? 'true' : 'false'}
            value={editing.text}
            onChange={(e) => setEditing({ ...editing, text: e.target.value })}
            onKeyDown={(e) => e.key === 'Escape' && (e.stopPropagation(), setEditing(undefined))}
          />
          <button type="submit" disabled={!!problem}>
            OK
          </button>
          <button type="button" onClick={() => setEditing(undefined)}>
            Cancel
          </button>
          {problem && (
            <span className="file-name-problem" role="alert">
              {problem}
            </span>
          )}
        </form>
      )}
    </div>
  );
}

function nextName(names: string[]): string {
  const ext = names[0]?.match(/\.[^.]+$/)?.[0] ?? '.js';
  for (let i = 1; ; i++) {
    const name = i === 1 ? `util${ext}` : `util${i}${ext}`;
    if (!names.includes(name)) return name;
  }
}
