/** Every label the toolbar's first button shows: Run, Run anyway (TypeScript problems) and Stop. */
const LABELS = ['▶ Run', '▶ Run anyway', '■ Stop'] as const;

/**
 * The Run/Stop button's label, as wide as the widest of them: "Run" turning into "Run anyway"
 * when TypeScript found a problem (or into "Stop") moved every control after it by ~65 px, under
 * the reader's pointer (a user trial). The other labels take the same grid cell, hidden (out of
 * the accessible name too); a phone's one-row toolbar cannot spare the room and drops them.
 */
export function SteadyLabel({ text }: { text: string }) {
  return (
    <span className="steady-label">
      {LABELS.filter((l) => l !== text).map((l) => (
        <span key={l} className="steady-label-sizer" aria-hidden="true">
          {l}
        </span>
      ))}
      <span>{text}</span>
    </span>
  );
}
