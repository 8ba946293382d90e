import { existsSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { verifyBundle } from '../export/verify.ts';
import { MANIFEST_NAME } from '../export/manifest.ts';
import { callTrainer } from '../trainer/commands.ts';
import { copyTree, stagingPath } from '../util/files.ts';

/** A folder with a manifest.json is an exported bundle: it is verified before anything is copied from it. */
export function isBundleFolder(folder: string): boolean {
  return existsSync(join(folder, MANIFEST_NAME));
}

/** Where an adapter bundle keeps its LoRA adapter (see trainer/airlock_trainer/lm_bundle.py). */
const ADAPTER_FOLDER = join('artifacts', 'adapter');

/**
 * Verifies a bundle (refusing a tampered one, naming the bad file), then hands `importFolder` a Hugging Face
 * folder made of its MLflow model and tokenizer files. A LoRA adapter bundle is merged into its base model, which
 * must be in the cache (`home`'s models): the trainer refuses with BASE_MODEL_MISSING, naming the base and its SHA-256.
 */
export async function importBundle<T>(bundle: string, home: string, stagingRoot: string, importFolder: (folder: string, name: string) => Promise<T>): Promise<T> {
  const verified = await verifyBundle(bundle);
  const staging = stagingPath(stagingRoot, 'bundle');
  try {
    if (verified.kind === 'adapter' || existsSync(join(bundle, ADAPTER_FOLDER, 'adapter_config.json'))) {
      await callTrainer(['merge-lm', '--model', join(resolve(bundle), ADAPTER_FOLDER), '--out', staging], home);
    } else {
      copyTree(join(bundle, 'model'), staging);
      if (existsSync(join(bundle, 'components', 'tokenizer'))) copyTree(join(bundle, 'components', 'tokenizer'), staging);
    }
    return await importFolder(staging, basename(resolve(bundle)));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
