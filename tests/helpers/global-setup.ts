import { tinyModelPath } from './tiny-model.ts';

/** Builds the tiny test model once, before test files run in parallel. */
export default function setup(): void {
  tinyModelPath();
}
