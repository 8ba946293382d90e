/** A labelled progress bar; indeterminate while the fraction is unknown. */
export function ProgressBar({ label, fraction }: { label: string; fraction: number | null }) {
  return (
    <div className="field">
      <div className="small">
        {label}
        {fraction !== null && ` — ${Math.round(fraction * 100)}%`}
      </div>
      <progress aria-label={label} max={1} value={fraction ?? undefined} />
    </div>
  );
}
