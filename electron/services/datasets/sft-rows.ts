/**
 * Row checks of supervised fine-tuning data, run on every row as the canonical table is written. The codes
 * and words are the trainer's (trainer/airlock_trainer/sft_rows.py and sft_format.parse_messages), so a file
 * import accepts is one training accepts. Rows the trainer leaves out (an empty prompt, no conversation) pass.
 */
import type { SftDetection } from '../../../schemas/dataset.ts';
import { AirlockError } from '../../../schemas/errors.ts';
import type { Cell } from './cells.ts';

export const CHAT_ROLES = ['system', 'user', 'assistant'] as const;

/** One turn of a conversation as stored: a messages cell is the compact JSON of a list of these. */
export interface ChatTurn {
  role: (typeof CHAT_ROLES)[number];
  content: string;
}

/** Checks rows of one SFT shape and counts the chat turns per role; a messages cell is rewritten to its stored form. */
export class SftRowCheck {
  /** chat: turns per role over all rows checked. */
  readonly roles = new Map<string, number>();
  private readonly prompt: number;
  private readonly completion: number;
  private readonly messages: number;

  /** `names` are the table's columns in order; `source` the file's name, for messages. */
  constructor(
    private readonly sft: SftDetection,
    names: string[],
    private readonly source: string,
  ) {
    const index = (name: string | null) => (name === null ? -1 : names.indexOf(name));
    this.prompt = index(sft.promptColumn);
    this.completion = index(sft.completionColumn);
    this.messages = index(sft.messagesColumn);
  }

  /** Checks one row (`row` 1-based, as the trainer counts); throws the trainer's code naming the row. */
  check(cells: Cell[], row: number): void {
    if (this.sft.format === 'prompt_completion') {
      const prompt = cellText(cells[this.prompt]);
      if (prompt === null || !prompt.trim()) return;
      const completion = cellText(cells[this.completion]);
      if (completion === null || !completion.trim()) {
        throw new AirlockError('SFT_COMPLETION_EMPTY', `${this.source}, row ${row}: the completion ('${this.sft.completionColumn}') is empty, so there is nothing to learn.`, {
          hint: 'Fill in the answer, or remove the row.',
          field: this.sft.completionColumn ?? undefined,
        });
      }
    } else if (this.sft.format === 'chat') {
      const cell = cells[this.messages];
      if (cell === null) return;
      const turns = parseMessages(cell, row, this.sft.messagesColumn!);
      for (const turn of turns) this.roles.set(turn.role, (this.roles.get(turn.role) ?? 0) + 1);
      cells[this.messages] = JSON.stringify(turns);
    }
  }
}

/** A cell as the trainer reads a prompt or completion: a list's items on their own lines. */
function cellText(cell: Cell | undefined): string | null {
  if (cell === null || cell === undefined) return null;
  return typeof cell === 'string' ? cell : cell.join('\n');
}

/** ShareGPT's turn keys ({from: human|gpt|system, value}) read as {role, content}; other turns as they are. */
const SHAREGPT_ROLES: Record<string, string> = { human: 'user', gpt: 'assistant', system: 'system' };
function fromShareGpt(turn: Record<string, unknown>): Record<string, unknown> {
  if ('role' in turn || typeof turn.from !== 'string' || !('value' in turn)) return turn;
  return { role: SHAREGPT_ROLES[turn.from] ?? turn.from, content: turn.value };
}

/**
 * One chat cell checked, as sft_format.parse_messages checks it: a JSON list of {role, content} in a string,
 * or a native list (whose objects import read as compact JSON text).
 */
export function parseMessages(cell: Cell, row: number, column: string): ChatTurn[] {
  const value = typeof cell === 'string' ? parseJson(cell) : cell === null ? null : cell.map(parseJson);
  if (!Array.isArray(value) || value.length === 0 || !value.every(isObject)) {
    throw new AirlockError('CHAT_MESSAGES_INVALID', `Row ${row}: the column '${column}' does not hold a conversation (a list of turns such as {"role": "user", "content": "..."}).`, {
      hint: 'Each row\'s messages must be a list of {role, content} objects.',
      field: column,
    });
  }
  const turns: ChatTurn[] = [];
  for (const turn of value as Record<string, unknown>[]) {
    const { role, content } = fromShareGpt(turn);
    if (!CHAT_ROLES.includes(role as ChatTurn['role'])) {
      throw new AirlockError('CHAT_ROLE_UNKNOWN', `Row ${row}: a turn has the role ${JSON.stringify(role ?? null)}; Airlock knows system, user and assistant.`, {
        hint: 'Rename the role, or remove the turn.',
        field: column,
      });
    }
    if (typeof content !== 'string') {
      throw new AirlockError('CHAT_MESSAGES_INVALID', `Row ${row}: a ${String(role)} turn has no text in 'content'.`, { hint: 'Give every turn a content string.', field: column });
    }
    turns.push({ role: role as ChatTurn['role'], content });
  }
  if (!turns.some((turn) => turn.role === 'assistant' && turn.content.trim())) {
    throw new AirlockError('CHAT_NO_ASSISTANT_TURN', `Row ${row}: the conversation has no assistant turn, so there is nothing for the model to learn to answer.`, {
      hint: 'Add the assistant\'s answer, or remove the row.',
      field: column,
    });
  }
  return turns;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
