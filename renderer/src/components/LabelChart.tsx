import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

const SHOWN = 40;

/** How many rows each label has, most frequent first (the first 40 labels). */
export function LabelChart({ labels }: { labels: { label: string; count: number }[] }) {
  const shown = labels.slice(0, SHOWN);
  const height = Math.max(120, shown.length * 22 + 40);
  return (
    <figure aria-label="Label distribution" style={{ margin: 0 }}>
      <div style={{ width: '100%', height }}>
        <ResponsiveContainer width="100%" height="100%" initialDimension={{ width: 480, height }}>
          <BarChart data={shown} layout="vertical" margin={{ top: 4, right: 24, bottom: 4, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" horizontal={false} />
            <XAxis type="number" stroke="var(--muted)" tick={{ fontSize: 12 }} allowDecimals={false} />
            <YAxis type="category" dataKey="label" width={140} stroke="var(--muted)" tick={{ fontSize: 12 }} interval={0} />
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
