import type { TrainerEvent } from '../../../schemas/events.ts';
import type { ClusterAttempt } from '../../../schemas/run.ts';
import type { RunOutcome } from '../store/runs.ts';
import type { NodeAttempt } from './out-folder.ts';

/** One attempt of a cluster run: the trainer's events (none when it never started) and the launchers' lines. */
export interface Attempt {
  events: TrainerEvent[];
  nodes: NodeAttempt[];
}

const earliest = (values: string[]) => (values.length ? values.reduce((a, b) => (Date.parse(a) <= Date.parse(b) ? a : b)) : null);
const latest = (values: string[]) => (values.length ? values.reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b)) : null);

/**
 * Pairs each run of events with the launchers' attempt it happened in (by time: an attempt stopped before the trainer
 * wrote anything has no events), keeping the order of both.
 */
export function pairAttempts(eventAttempts: TrainerEvent[][], nodeAttempts: NodeAttempt[][]): Attempt[] {
  if (nodeAttempts.length <= eventAttempts.length) return eventAttempts.map((events, index) => ({ events, nodes: nodeAttempts[index] ?? [] }));
  const attempts: Attempt[] = [];
  let next = 0;
  for (const nodes of nodeAttempts) {
    const end = latest(nodes.map((node) => node.ended_at));
    const events = eventAttempts[next];
    const inside = events && end !== null && Date.parse(events[0].ts) <= Date.parse(end);
    attempts.push({ events: inside ? events : [], nodes });
    if (inside) next++;
  }
  for (const events of eventAttempts.slice(next)) attempts.push({ events, nodes: [] });
  return attempts;
}

function nodesOf(attempt: Attempt): ClusterAttempt['nodes'] {
  return [...attempt.nodes].sort((a, b) => a.node_rank - b.node_rank).map(({ node_rank, host, exit_code }) => ({ node_rank, host, exit_code }));
}

/** The outcome of an attempt whose trainer reported no result: how its nodes exited, as the launchers saw it. */
export function crashOutcome(attempt: Attempt, number: number, stderrTail: string | null): RunOutcome {
  const nodes = nodesOf(attempt);
  const exits = nodes.length
    ? nodes.map((node) => `node ${node.node_rank} (${node.host}) exited with code ${node.exit_code ?? 'unknown'}`).join(', ')
    : 'attempts.jsonl does not say how its nodes exited';
  return {
    status: 'failed',
    stderrTail,
    error: {
      code: 'TRAINER_CRASHED',
      message: `The trainer stopped on the cluster without reporting a result (attempt ${number}): ${exits}.`,
      hint: 'See logs/node-<rank>.log in the run folder; resume the run to continue from its last checkpoint.',
    },
  };
}

/**
 * The record of an attempt: from the first node's start to the last node's end (the launchers' clocks), else its
 * first and last event; its duration is that wall-clock time, else the trainer's own count.
 */
export function attemptRecord(attempt: Attempt, number: number, outcome: RunOutcome): ClusterAttempt {
  const started = earliest(attempt.nodes.map((node) => node.started_at)) ?? attempt.events[0]?.ts ?? null;
  const ended = latest(attempt.nodes.map((node) => node.ended_at)) ?? attempt.events.at(-1)?.ts ?? null;
  const wall = started && ended ? Math.max(0, (Date.parse(ended) - Date.parse(started)) / 1000) : null;
  return { attempt: number, started_at: started, ended_at: ended, duration_s: wall ?? outcome.durationS ?? null, status: outcome.status, nodes: nodesOf(attempt) };
}
