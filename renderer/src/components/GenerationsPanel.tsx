import { useId, useState } from 'react';
import { GenerationRound } from '../../../schemas/run.ts';

type Sample = GenerationRound['samples'][number];

const Samples = GenerationRound.shape.samples;

/**
 * The rounds to show for a run: those recorded epoch by epoch, else the last list the finished event kept in the
 * record's details (`details.generations`, epoch unknown).
 */
export function generationRoundsOf(rounds: readonly GenerationRound[], details: Record<string, unknown>): { epoch: number | null; samples: Sample[] }[] {
  if (rounds.length > 0) return rounds.map((round) => ({ epoch: round.epoch, samples: round.samples }));
  const last = Samples.safeParse(details.generations);
  return last.success && last.data.length > 0 ? [{ epoch: null, samples: last.data }] : [];
}

function Text({ label, text, id }: { label: string; text: string; id: string }) {
  return (
    <div>
      <div className="small muted" id={id}>
        {label}
      </div>
      <pre aria-labelledby={id} style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', maxHeight: 240 }}>
        {text === '' ? <span className="muted">(nothing)</span> : text.trim() === '' ? <span className="muted">(only spaces or line breaks)</span> : text}
      </pre>
    </div>
  );
}

function SampleCard({ sample, index }: { sample: Sample; index: number }) {
  const id = useId();
  return (
    <article className="card" aria-label={`Prompt ${index + 1}`} style={{ padding: 'var(--space-3)' }}>
      <Text label="Prompt" text={sample.prompt} id={`${id}-prompt`} />
      <div className="grid-2">
        <Text label="Reference answer (from the validation data)" text={sample.reference} id={`${id}-reference`} />
        <Text label="What the model wrote" text={sample.output} id={`${id}-output`} />
      </div>
    </article>
  );
}

const epochName = (epoch: number | null) => (epoch === null ? 'Last epoch' : `Epoch ${epoch + 1}`);

/**
 * causal_lm runs: after each epoch the model answers the same few validation prompts; this shows its answers beside
 * the reference answers, newest epoch first, with the earlier epochs a choice away so a user sees them improve.
 */
export function GenerationsPanel({ rounds, planned, running }: { rounds: { epoch: number | null; samples: Sample[] }[]; planned: number; running: boolean }) {
  const selectId = useId();
  // null follows the newest epoch as new ones arrive; a number keeps the epoch the user picked.
  const [picked, setPicked] = useState<number | null>(null);
  const newestFirst = [...rounds].reverse();
  const pickedRound = picked === null ? undefined : newestFirst.slice(1).find((round) => round.epoch === picked);
  const shown = pickedRound ?? newestFirst[0];
  // A validation split smaller than evaluation.sample_generations gives fewer prompts than planned.
  const prompts = newestFirst[0]?.samples.length ?? planned;
  return (
    <section className="card" aria-labelledby="generations-title">
      <h3 id="generations-title">Sample generations</h3>
      <p className="muted small">
        After each epoch the model answers the same {prompts === 1 ? 'validation prompt' : `${prompts} validation prompts`}, writing on its own (the most likely next word each
        time). Compare its answers with the reference answers to see it learn.
      </p>
      {planned === 0 && rounds.length === 0 && <p className="muted">Off for this run (evaluation.sample_generations is 0).</p>}
      {planned > 0 && !shown && <p className="muted">{running ? 'No answers yet: they appear after the first epoch.' : 'No sample answers were recorded for this run.'}</p>}
      {shown && (
        <>
          {newestFirst.length > 1 && (
            <div className="field">
              <label htmlFor={selectId}>Answers after</label>
              <select
                id={selectId}
                value={pickedRound ? String(pickedRound.epoch) : 'newest'}
                onChange={(event) => setPicked(event.target.value === 'newest' ? null : Number(event.target.value))}
              >
                {newestFirst.map((round, index) =>
                  index === 0 ? (
                    <option key="newest" value="newest">
                      {epochName(round.epoch)} (newest)
                    </option>
                  ) : (
                    <option key={round.epoch} value={String(round.epoch)}>
                      {epochName(round.epoch)}
                    </option>
                  ),
                )}
              </select>
            </div>
          )}
          <p className="small" role="status">
            {epochName(shown.epoch)}: {shown.samples.length} answer{shown.samples.length === 1 ? '' : 's'}.
          </p>
          {shown.samples.map((sample, index) => (
            <SampleCard key={index} sample={sample} index={index} />
          ))}
        </>
      )}
    </section>
  );
}
