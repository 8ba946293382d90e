/**
 * A user-given name (dataset, experiment, model): file names run to 255 characters, often without a space. It wraps
 * anywhere and is cut after `lines` lines with an ellipsis; the whole name shows on hover and is read out in full.
 */
export function Name({ text, lines = 2, className }: { text: string; lines?: number; className?: string }) {
  return (
    <span className={className ? `name ${className}` : 'name'} title={text} style={{ WebkitLineClamp: lines }}>
      {text}
    </span>
  );
}
