/**
 * Every label the toolbar's first button shows: Run, Run anyway (TypeScript problems) and Stop,
 * each as [glyph, word, words]: a phone shows the word alone.
 */
const LABELS = [['▶ ', 'Run', ''], ['▶ ', 'Run', ' anyway'], ['■ ', 'Stop', '']] as const;

export type SteadyLabelKind = 'run' | 'run-anyway' | 'stop';
const INDEX: Record<SteadyLabelKind, number> = { run: 0, 'run-anyway': 1, stop: 2 };

function Label({ label }: { label: (typeof LABELS)[number] }) {
  return (
    <>
      <span className="wide-only">{label[0]}</span>
      {label[1]}
      {label[2] && <span className="wide-only">{label[2]}</span>}
    </>
  );
}

/**
 * The Run/Stop button's label, as wide as the widest of them: "Run" turning into "Run anyway"
 * when TypeScript found a problem (or into "Stop") moved every control after it by ~65 px, under
 * the reader's pointer (a user trial). The other labels take the same grid cell, hidden (out of
 * the accessible name too). A phone's one-row toolbar cannot spare "anyway" (at 320 px it
 * squeezed the Examples menu to 6 px, a helper trial) nor the glyphs: there the button says
 * Run or Stop, its title says why it is "anyway", and the two share one width.
 */
export function SteadyLabel({ kind }: { kind: SteadyLabelKind }) {
  return (
    <span className="steady-label">
      {LABELS.map((l, i) =>
        i === INDEX[kind] ? null : (
          <span key={i} className="steady-label-sizer" aria-hidden="true">
            <Label label={l} />
          </span>
        ),
      )}
      <span>
        <Label label={LABELS[INDEX[kind]]!} />
      </span>
    </span>
  );
}
