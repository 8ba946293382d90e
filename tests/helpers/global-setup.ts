import { spawnSync } from 'node:child_process';
import { tinyModelPath } from './tiny-model.ts';

/**
 * Builds what several test files share once, before they run in parallel: the tiny test model, and the
 * renderer bundle (the e2e and packaging tests each ask for it; the build is skipped when nothing changed,
 * but two first builds at once would write dist/renderer together).
 */
export default function setup(): void {
  tinyModelPath();
  const built = spawnSync(process.execPath, ['build/build-renderer.mjs'], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error('The renderer build failed.');
}
