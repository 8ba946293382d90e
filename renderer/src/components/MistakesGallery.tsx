import { useEffect, useState } from 'react';
import { call } from '../services/bridge.ts';
import { formatPercent } from '../lib/format.ts';

/** One wrong answer of an image or audio run, as the trainer recorded it (details.mistakes). */
export interface Mistake {
  file: string;
  true: string;
  predicted: string;
  probability: number;
}

/** The mistakes a run record holds, or none when it has no (well-formed) list. */
export function mistakesOf(details: Record<string, unknown>): Mistake[] {
  const list = details.mistakes;
  if (!Array.isArray(list)) return [];
  return list.filter((item): item is Mistake => typeof item === 'object' && item !== null && typeof (item as Mistake).file === 'string');
}

function Example({ mistake }: { mistake: Mistake }) {
  const [media, setMedia] = useState<{ mime: string; dataUrl: string } | null>(null);
  const [missing, setMissing] = useState(false);
  useEffect(() => {
    let live = true;
    call('datasets.file', { path: mistake.file })
      .then((file) => live && setMedia(file))
      .catch(() => live && setMissing(true));
    return () => {
      live = false;
    };
  }, [mistake.file]);
  const name = mistake.file.split(/[\\/]/).slice(-2).join('/');
  return (
    <figure className="card" style={{ margin: 0, padding: 8 }}>
      {media?.mime.startsWith('image/') && <img src={media.dataUrl} alt={name} style={{ width: 96, height: 96, objectFit: 'contain', imageRendering: 'pixelated' }} />}
      {media?.mime.startsWith('audio/') && <audio src={media.dataUrl} controls aria-label={`Play ${name}`} style={{ width: 180 }} />}
      {missing && <p className="small muted">The file is no longer stored.</p>}
      <figcaption className="small">
        <div className="mono wrap">{name}</div>
        <div>
          is <strong>{mistake.true}</strong>, predicted <strong>{mistake.predicted}</strong> ({formatPercent(mistake.probability)})
        </div>
      </figcaption>
    </figure>
  );
}

/** The most confident wrong answers on the scored rows, with the picture or a play button for each. */
export function MistakesGallery({ mistakes, on }: { mistakes: Mistake[]; on: string }) {
  return (
    <div className="card" aria-label="Misclassified examples">
      <h3>Most confident mistakes ({on})</h3>
      <div style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(200px, 1fr))', gap: 8 }}>
        {mistakes.map((mistake) => (
          <Example key={mistake.file} mistake={mistake} />
        ))}
      </div>
    </div>
  );
}
