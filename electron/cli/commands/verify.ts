import type { VerifiedBundle } from '../../../schemas/registry.ts';
import { formatBytes } from '../output.ts';
import { userPath } from '../paths.ts';
import { call, positional, type Command } from './types.ts';

/** What a verified bundle is, in a few lines. */
export function describeBundle(bundle: VerifiedBundle): string {
  return [
    `Verified ${bundle.path}`,
    `  ${bundle.model.name} v${bundle.model.version} [${bundle.model.stage}] from run ${bundle.model.runId}`,
    ...(bundle.kind === 'adapter' ? [`  LoRA adapter only: needs the base model ${bundle.base?.name ?? '(not recorded)'} (weights SHA-256 ${bundle.base?.sha256 ?? 'not recorded'})`] : []),
    ...(bundle.kind === 'merged' ? ['  language model with its adapter merged in (loads on its own)'] : []),
    `  ${bundle.files} files, ${formatBytes(bundle.bytes)}, every size and SHA-256 as listed; no extra files, links or unsafe paths`,
    `  manifest.json SHA-256 ${bundle.manifestSha256}`,
  ].join('\n');
}

export const verifyCommand: Command = {
  usage: 'verify <bundle-folder> [--json]',
  summary: 'Check an exported bundle: every listed file present with its size and SHA-256, nothing extra, no links or unsafe paths.',
  async run(context) {
    const { bundle } = await call(context, 'export.verify', { path: userPath(positional(context, 0, 'the bundle folder', this.usage)) });
    context.output.result({ bundle }, () => describeBundle(bundle));
  },
};
