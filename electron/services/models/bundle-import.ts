import { existsSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { verifyBundle } from '../export/verify.ts';
import { MANIFEST_NAME } from '../export/manifest.ts';
import { copyTree, stagingPath } from '../util/files.ts';

/** A folder with a manifest.json is an exported bundle: it is verified before anything is copied from it. */
export function isBundleFolder(folder: string): boolean {
  return existsSync(join(folder, MANIFEST_NAME));
}

/**
 * Verifies a bundle (refusing a tampered one, naming the bad file), then hands `importFolder` a Hugging Face
 * folder made of its MLflow model and tokenizer files.
 */
export async function importBundle<T>(bundle: string, stagingRoot: string, importFolder: (folder: string, name: string) => Promise<T>): Promise<T> {
  await verifyBundle(bundle);
  const staging = stagingPath(stagingRoot, 'bundle');
  try {
    copyTree(join(bundle, 'model'), staging);
    if (existsSync(join(bundle, 'components', 'tokenizer'))) copyTree(join(bundle, 'components', 'tokenizer'), staging);
    return await importFolder(staging, basename(resolve(bundle)));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
