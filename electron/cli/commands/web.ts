import { spawn } from 'node:child_process';
import { AirlockError } from '../../../schemas/errors.ts';
import { NOT_BUILT, startWebHost } from '../../web/host.ts';
import { stringOption, type Command } from './types.ts';

/** Opens `url` in the desktop's browser when there is a desktop; the printed line is the fallback. */
function openInBrowser(url: string): void {
  const opener =
    process.platform === 'darwin' ? ['open', url]
    : process.platform === 'win32' ? ['rundll32', 'url.dll,FileProtocolHandler', url]
    : process.env.DISPLAY || process.env.WAYLAND_DISPLAY ? ['xdg-open', url]
    : null;
  if (!opener) return;
  const child = spawn(opener[0], opener.slice(1), { stdio: 'ignore', detached: true, shell: false });
  child.on('error', () => {});
  child.unref();
}

function portOption(value: string | undefined): number {
  if (value === undefined) return 0;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new AirlockError('INVALID_INPUT', `--port must be a whole number from 0 to 65535, not "${value}".`, { hint: '0 picks a free port.' });
  }
  return port;
}

export const webCommand: Command = {
  usage: 'web [--port P] [--no-open]',
  summary: 'Serve the app to a browser on 127.0.0.1 (with a per-launch access token) until Ctrl-C.',
  options: { port: { type: 'string' }, 'no-open': { type: 'boolean' } },
  async run(context) {
    const host = await startWebHost({
      services: context.services,
      port: portOption(stringOption(context, 'port')),
      onRefused: (refusal) => context.output.info(`Refused ${refusal.method} ${refusal.path}${refusal.origin ? ` from ${refusal.origin}` : ''} (${refusal.status}): ${refusal.reason}`),
    });
    context.output.result({ url: host.url, port: host.port }, () => host.banner);
    if (!host.rendererBuilt) context.output.info(NOT_BUILT);
    if (context.values['no-open'] !== true) openInBrowser(host.url);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        context.output.info('Stopping the web UI (running runs are cancelled and keep a checkpoint)…');
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await host.close();
    return 0;
  },
};
