import { Fragment } from 'react';
import type { SftFormat } from '../../../schemas/config.ts';
import type { Dataset, SftDetection } from '../../../schemas/dataset.ts';
import { formatPercent } from '../lib/format.ts';

/** The label facts of a classification or regression table. */
export function LabelFacts({ dataset }: { dataset: Dataset }) {
  const detection = dataset.detection;
  return (
    <>
      <dt>Text column</dt>
      <dd>{detection.textColumn ?? '—'}</dd>
      <dt>Label column</dt>
      <dd>{detection.labelColumn ?? '—'}</dd>
      <dt>Labels</dt>
      <dd>{detection.labels.length > 0 ? detection.labels.length : 'a number (regression)'}</dd>
      <dt>Balance</dt>
      <dd>{detection.balance === null ? '—' : `${formatPercent(detection.balance)} (smallest class / largest)`}</dd>
      {detection.idColumns.length > 0 && (
        <>
          <dt>Ignored</dt>
          <dd>{detection.idColumns.join(', ')} (row identifiers)</dd>
        </>
      )}
    </>
  );
}

const SFT_FORMAT_WORDS: Record<SftFormat, string> = {
  prompt_completion: 'prompts and answers: the model learns to write each answer after its prompt',
  chat: "chat conversations: the model learns the assistant's turns",
  text: 'plain text: the model learns to continue it',
};

/** What a table of fine-tuning data holds: its shape and the columns each part comes from. */
export function SftFacts({ sft }: { sft: SftDetection }) {
  const columns: [string, string | null][] = [
    ['Prompt column', sft.promptColumn],
    ['Input column', sft.inputColumn],
    ['Answer column', sft.completionColumn],
    ['Conversation column', sft.messagesColumn],
    ['Text column', sft.textColumn],
  ];
  return (
    <>
      <dt>Shape</dt>
      <dd>{SFT_FORMAT_WORDS[sft.format]}</dd>
      {columns
        .filter(([, column]) => column !== null)
        .map(([label, column]) => (
          <Fragment key={label}>
            <dt>{label}</dt>
            <dd>{column}</dd>
          </Fragment>
        ))}
      {sft.chatRoles && (
        <>
          <dt>Turns</dt>
          <dd>{Object.entries(sft.chatRoles).map(([role, count]) => `${count} ${role}`).join(', ')}</dd>
        </>
      )}
    </>
  );
}
