import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeDatasetFile } from '../../../electron/services/datasets/analyze.ts';
import { expectFailure, makeScratch, PYTHON, pythonHas, readTable, tableFolder } from './helpers.ts';

const scratch = makeScratch();
afterAll(() => scratch.cleanup());
const { write, out } = scratch;

const jsonl = (records: unknown[]) => records.map((record) => JSON.stringify(record)).join('\n') + '\n';
const chat = (question: string, answer: string) => [
  { role: 'system', content: 'You answer briefly.' },
  { role: 'user', content: question },
  { role: 'assistant', content: answer },
];

/** The trainer's own reading of a canonical table (sft_rows.read_examples), as the examples it would train on. */
function trainerExamples(folder: string, data: Record<string, string | null>): { examples?: unknown[]; error?: string } {
  const script = [
    'import json, sys',
    'from airlock_trainer.sft_rows import read_examples',
    'from airlock_trainer.table import read_table',
    'from airlock_trainer.errors import AirlockError',
    'data = json.loads(sys.argv[2])',
    'try:',
    '    print(json.dumps({"examples": read_examples(read_table(sys.argv[1], "data.train_path"), data)}))',
    'except AirlockError as error:',
    '    print(json.dumps({"error": error.code}))',
  ].join('\n');
  const result = spawnSync(PYTHON, ['-c', script, join(folder, 'table.jsonl'), JSON.stringify(data)], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: 'trainer' } });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout);
}

describe('supervised fine-tuning shapes are detected as task causal_lm', () => {
  it('JSONL prompt/completion pairs', async () => {
    const folder = tableFolder(scratch, 'pc');
    const path = write('pairs.jsonl', jsonl([{ prompt: 'Capital of France?', completion: 'Paris' }, { prompt: 'Two plus two?', completion: '4' }, { prompt: 'Colour of the sky?', completion: 'Blue' }]));
    const analysis = await analyzeDatasetFile(path, { tableDir: folder });
    expect(analysis.detection).toMatchObject({ task: 'causal_lm', modality: 'text', labels: [], labelColumn: null, textColumn: null });
    expect(analysis.detection.sft).toEqual({ format: 'prompt_completion', promptColumn: 'prompt', inputColumn: null, completionColumn: 'completion', messagesColumn: null, textColumn: null, chatRoles: null });
    const { schema, rows } = readTable(folder);
    expect(schema.labels).toEqual([]);
    expect(rows[1]).toEqual(['Two plus two?', '4']);
  });

  it('Alpaca instruction + input + output in a CSV, column names in any case', async () => {
    const path = write('alpaca.csv', 'Instruction,Input,Output\nTranslate to French,cat,chat\nSum the numbers,2 3,5\nName a colour,,red\n');
    const analysis = await analyzeDatasetFile(path);
    expect(analysis.detection.task).toBe('causal_lm');
    expect(analysis.detection.sft).toMatchObject({ format: 'prompt_completion', promptColumn: 'Instruction', inputColumn: 'Input', completionColumn: 'Output' });
  });

  it('question/answer pairs with written answers, but a yes/no answer column stays a classification label', async () => {
    const free = await analyzeDatasetFile(write('qa.csv', 'question,answer\nWhere is Rome?,In Italy\nWho wrote Hamlet?,Shakespeare did\nHow many legs has a spider?,Eight legs\n'));
    expect(free.detection.sft).toMatchObject({ format: 'prompt_completion', promptColumn: 'question', completionColumn: 'answer' });
    let yesNo = 'question,answer\n';
    for (let i = 0; i < 20; i++) yesNo += `is item number ${i} in stock today,${i % 2 ? 'yes' : 'no'}\n`;
    const labels = await analyzeDatasetFile(write('yes-no.csv', yesNo));
    expect(labels.detection).toMatchObject({ task: 'classification', textColumn: 'question', labelColumn: 'answer', sft: null });
    expect(labels.detection.labels.map((label) => label.label).sort()).toEqual(['no', 'yes']);
  });

  it('a JSONL messages column: chat, stored as compact JSON text the trainer reads back', async () => {
    const folder = tableFolder(scratch, 'chat');
    const records = [{ messages: chat('Hi?', 'Hello.') }, { messages: [{ role: 'user', content: 'Name: "Ann"', name: 'x' }, { role: 'assistant', content: 'Hi Ann' }] }];
    const analysis = await analyzeDatasetFile(write('chat.jsonl', jsonl(records)), { tableDir: folder });
    expect(analysis.detection.sft).toMatchObject({ format: 'chat', messagesColumn: 'messages', chatRoles: { assistant: 2, system: 1, user: 2 } });
    const { rows } = readTable(folder);
    expect(rows[0]).toEqual([JSON.stringify(chat('Hi?', 'Hello.'))]);
    expect(JSON.parse(rows[1][0] as string)).toEqual([{ role: 'user', content: 'Name: "Ann"' }, { role: 'assistant', content: 'Hi Ann' }]);
    const read = trainerExamples(folder, { format: 'chat', messages_column: 'messages' });
    expect(read.examples).toEqual([
      { row: 1, messages: chat('Hi?', 'Hello.') },
      { row: 2, messages: [{ role: 'user', content: 'Name: "Ann"' }, { role: 'assistant', content: 'Hi Ann' }] },
    ]);
  });

  it('a CSV "conversations" column holding JSON text', async () => {
    const cell = (question: string) => `"${JSON.stringify(chat(question, 'ok')).replaceAll('"', '""')}"`;
    const analysis = await analyzeDatasetFile(write('conv.csv', `id,conversations\n1,${cell('a')}\n2,${cell('b')}\n3,${cell('c')}\n`));
    expect(analysis.detection.sft).toMatchObject({ format: 'chat', messagesColumn: 'conversations', chatRoles: { assistant: 3, system: 3, user: 3 } });
  });

  it('ShareGPT conversations ({from: human|gpt, value}) are read as {role, content}', async () => {
    const folder = tableFolder(scratch, 'sharegpt');
    const turns = (question: string, answer: string) => [{ from: 'system', value: 'Be brief.' }, { from: 'human', value: question }, { from: 'gpt', value: answer }];
    const analysis = await analyzeDatasetFile(write('share.jsonl', jsonl([{ conversations: turns('Hi?', 'Hello.') }, { conversations: turns('Bye?', 'Ciao.') }])), { tableDir: folder });
    expect(analysis.detection.sft).toMatchObject({ format: 'chat', messagesColumn: 'conversations', chatRoles: { assistant: 2, system: 2, user: 2 } });
    expect(trainerExamples(folder, { format: 'chat', messages_column: 'conversations' }).examples![0]).toEqual({
      row: 1,
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi?' }, { role: 'assistant', content: 'Hello.' }],
    });
  });

  it('a messages column with one cell that is not a conversation is still chat data, and that row is named', async () => {
    const records = [...Array.from({ length: 6 }, (_, index) => ({ messages: chat(`q${index}`, 'a') })), { messages: 'user: hi' }];
    await expectFailure(write('one-bad-cell.jsonl', jsonl(records)), out, 'CHAT_MESSAGES_INVALID', /^Row 7: the column 'messages' does not hold a conversation/);
  });

  it('a CSV "messages" column of plain text stays classification data', async () => {
    let text = 'messages,label\n';
    for (let i = 0; i < 20; i++) text += `customer message number ${i} about the order,${i % 2 ? 'billing' : 'shipping'}\n`;
    const analysis = await analyzeDatasetFile(write('support.csv', text));
    expect(analysis.detection).toMatchObject({ task: 'classification', textColumn: 'messages', labelColumn: 'label', sft: null });
  });

  it.skipIf(!pythonHas('pyarrow'))('a Parquet list of {role, content} structs', async () => {
    const path = join(scratch.dir, 'chat.parquet');
    const script = `
import sys, pyarrow as pa, pyarrow.parquet as pq
turns = [[{"role": "user", "content": "q%d" % i}, {"role": "assistant", "content": "a%d" % i}] for i in range(4)]
pq.write_table(pa.table({"messages": turns}), sys.argv[1])
`;
    execFileSync(PYTHON, ['-c', script, path]);
    const folder = tableFolder(scratch, 'parquet-chat');
    const analysis = await analyzeDatasetFile(path, { tableDir: folder });
    expect(analysis.detection.sft).toMatchObject({ format: 'chat', chatRoles: { assistant: 4, user: 4 } });
    expect(trainerExamples(folder, { format: 'chat', messages_column: 'messages' }).examples).toHaveLength(4);
  });

  it('format text only when asked: one text column for continued pre-training', async () => {
    let text = 'id,text,label\n';
    for (let i = 0; i < 20; i++) text += `${i},domain report number ${i} describes the pump,${i % 2 ? 'a' : 'b'}\n`;
    const path = write('domain.csv', text);
    expect((await analyzeDatasetFile(path)).detection).toMatchObject({ task: 'classification', sft: null });
    const asked = await analyzeDatasetFile(path, { format: 'text' });
    expect(asked.detection).toMatchObject({ task: 'causal_lm', textColumn: 'text', labels: [], sft: { format: 'text', textColumn: 'text' } });
  });

  it('--format overrides detection: a prompt/completion file read as text', async () => {
    const path = write('override.jsonl', jsonl([{ prompt: 'a short prompt', completion: 'a much longer completion text to learn' }, { prompt: 'b', completion: 'another long completion text' }]));
    const analysis = await analyzeDatasetFile(path, { format: 'text' });
    expect(analysis.detection.sft).toMatchObject({ format: 'text', textColumn: 'completion' });
  });
});

describe('bad fine-tuning data: a code, the row, and nothing stored', () => {
  it('SFT_COLUMN_MISSING: --format prompt_completion with an instruction but no output', async () => {
    const path = write('half.csv', 'instruction,notes\ndo this,x\ndo that,y\n');
    await expectFailure(path, out, 'SFT_COLUMN_MISSING', /column "instruction" but no "output"/, { format: 'prompt_completion' });
  });

  it('SFT_COLUMN_MISSING: --format chat without a messages column', async () => {
    const path = write('nochat.jsonl', jsonl([{ prompt: 'p', completion: 'c' }]));
    await expectFailure(path, out, 'SFT_COLUMN_MISSING', /no messages column.*Columns found: "prompt", "completion"/, { format: 'chat' });
  });

  it('SFT_COMPLETION_EMPTY names the row', async () => {
    const path = write('empty-completion.jsonl', jsonl([{ prompt: 'a', completion: 'x' }, { prompt: 'b', completion: 'y' }, { prompt: 'c', completion: '  ' }]));
    await expectFailure(path, out, 'SFT_COMPLETION_EMPTY', /empty-completion\.jsonl, row 3: the completion \('completion'\) is empty/);
  });

  it('a row without a prompt is left out, as the trainer leaves it out', async () => {
    const folder = tableFolder(scratch, 'no-prompt');
    const path = write('no-prompt.jsonl', jsonl([{ prompt: 'a', completion: 'x' }, { prompt: '', completion: '' }, { prompt: 'c', completion: 'z' }]));
    expect((await analyzeDatasetFile(path, { tableDir: folder })).rows).toBe(3);
    expect(trainerExamples(folder, { format: 'prompt_completion', prompt_column: 'prompt', completion_column: 'completion' }).examples).toHaveLength(2);
  });

  it('CHAT_MESSAGES_INVALID: a row that is not a list of {role, content}', async () => {
    const path = write('bad-chat.jsonl', jsonl([{ messages: chat('q', 'a') }, { messages: ['just text'] }]));
    await expectFailure(path, out, 'CHAT_MESSAGES_INVALID', /^Row 2: the column 'messages' does not hold a conversation/);
  });

  it('CHAT_MESSAGES_INVALID: a turn whose content is not text', async () => {
    const path = write('number-chat.jsonl', jsonl([{ messages: [{ role: 'user', content: 5 }, { role: 'assistant', content: 'a' }] }]));
    await expectFailure(path, out, 'CHAT_MESSAGES_INVALID', /^Row 1: a user turn has no text in 'content'/);
  });

  it('CHAT_ROLE_UNKNOWN: a role outside system/user/assistant', async () => {
    const path = write('bot.jsonl', jsonl([{ messages: chat('q', 'a') }, { messages: chat('q', 'a') }, { messages: [{ role: 'user', content: 'q' }, { role: 'bot', content: 'a' }] }]));
    await expectFailure(path, out, 'CHAT_ROLE_UNKNOWN', /^Row 3: a turn has the role "bot"; Airlock knows system, user and assistant\./);
  });

  it('CHAT_NO_ASSISTANT_TURN: a conversation with nothing to answer', async () => {
    const path = write('no-answer.jsonl', jsonl([{ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: ' ' }] }]));
    await expectFailure(path, out, 'CHAT_NO_ASSISTANT_TURN', /^Row 1: the conversation has no assistant turn/);
  });

  it('the trainer gives the same codes for the same rows', async () => {
    const folder = tableFolder(scratch, 'trainer-codes');
    // Written as format text, so import keeps the bad conversation and the trainer's own check can be seen.
    const path = write('trainer-codes.jsonl', jsonl([{ text: 'some words', messages: JSON.stringify([{ role: 'user', content: 'q' }, { role: 'bot', content: 'a' }]) }]));
    await analyzeDatasetFile(path, { tableDir: folder, format: 'text' });
    expect(trainerExamples(folder, { format: 'chat', messages_column: 'messages' }).error).toBe('CHAT_ROLE_UNKNOWN');
  });
});
