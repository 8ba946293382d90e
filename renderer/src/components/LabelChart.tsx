import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

const SHOWN = 40;
/** Average width of a 12 px character, for sizing the label axis without a layout engine. */
const CHAR_PX = 7;
const AXIS_MIN_PX = 60;
const AXIS_MAX_PX = 260;
const LINES = 2;

/**
 * A label split into at most two lines that fit `chars` characters each (words kept whole where they fit), the last
 * ending in "…" when the label is longer still. The whole label is in the tick's tooltip and in the bar's tooltip.
 */
export function labelLines(label: string, chars: number): string[] {
  const lines: string[] = [];
  let rest = label;
  while (rest.length > 0 && lines.length < LINES) {
    if (rest.length <= chars) {
      lines.push(rest);
      rest = '';
      break;
    }
    const space = rest.lastIndexOf(' ', chars);
    const cut = space > chars / 2 ? space : chars;
    lines.push(rest.slice(0, cut));
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length > 0) lines[lines.length - 1] = lines[lines.length - 1].slice(0, Math.max(1, chars - 1)) + '…';
  return lines;
}

/** How many rows each label has, most frequent first (the first 40 labels); long labels wrap onto two lines. */
export function LabelChart({ labels }: { labels: { label: string; count: number }[] }) {
  const shown = labels.slice(0, SHOWN);
  const longest = shown.reduce((most, entry) => Math.max(most, entry.label.length), 0);
  const axisWidth = Math.min(AXIS_MAX_PX, Math.max(AXIS_MIN_PX, longest * CHAR_PX + 12));
  const chars = Math.max(4, Math.floor((axisWidth - 12) / CHAR_PX));
  const wraps = shown.some((entry) => entry.label.length > chars);
  const rowHeight = wraps ? 34 : 22;
  const height = Math.max(120, shown.length * rowHeight + 40);
  const tick = ({ x, y, payload }: { x: number | string; y: number | string; payload: { value: string } }) => {
    const lines = labelLines(String(payload.value), chars);
    const top = Number(y) - ((lines.length - 1) * 13) / 2;
    return (
      <text x={Number(x) - 4} y={top} textAnchor="end" fontSize={12} fill="var(--muted)" dominantBaseline="middle">
        <title>{payload.value}</title>
        {lines.map((line, index) => (
          <tspan key={index} x={Number(x) - 4} dy={index === 0 ? 0 : 13}>
            {line}
          </tspan>
        ))}
      </text>
    );
  };
  return (
    <figure aria-label="Label distribution" style={{ margin: 0 }}>
      <div style={{ width: '100%', height }}>
        <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 480, height }}>
          <BarChart data={shown} layout="vertical" margin={{ top: 4, right: 24, bottom: 4, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" horizontal={false} />
            <XAxis type="number" stroke="var(--muted)" tick={{ fontSize: 12 }} allowDecimals={false} />
            <YAxis type="category" dataKey="label" width={axisWidth} stroke="var(--muted)" tick={tick} interval={0} />
            <Tooltip cursor={{ fill: 'var(--surface-2)' }} contentStyle={{ background: 'var(--surface)', border: '1px solid var(--border)', color: 'var(--text)' }} />
            <Bar dataKey="count" name="rows" fill="var(--chart-1)" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="muted small">
        {labels.length} label{labels.length === 1 ? '' : 's'}
        {labels.length > SHOWN ? ` (the ${SHOWN} most frequent shown)` : ''}: {shown.slice(0, 5).map((label) => `${label.label} ${label.count}`).join(', ')}
        {shown.length > 5 ? ', …' : ''}
      </figcaption>
    </figure>
  );
}
