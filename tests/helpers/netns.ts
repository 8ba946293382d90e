import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

/**
 * Two "hosts" on one machine: Linux network namespaces joined by a veth pair, each with only its loopback and
 * its end of the pair (no route anywhere else). Needs root (`ip netns`); `canMakeHosts` says whether it works here.
 */
export interface TwoHosts {
  names: [string, string];
  addresses: [string, string];
  /** Starts `command args` inside host `index`'s namespace with `env`, output piped. */
  spawn(index: 0 | 1, command: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd?: string }): ChildProcess;
  /** Removes both namespaces (and with them the veth pair). */
  teardown(): void;
}

function ip(args: string[]): void {
  const done = spawnSync('ip', args, { encoding: 'utf8' });
  if (done.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${done.stderr || done.error?.message}`);
}

/** Whether this machine lets a test make network namespaces (root, with iproute2). */
export const canMakeHosts: boolean = (() => {
  const probe = `airlock-probe-${process.pid}`;
  const added = spawnSync('ip', ['netns', 'add', probe]).status === 0;
  if (added) spawnSync('ip', ['netns', 'del', probe]);
  return added;
})();

/** Makes two namespaced hosts on a private /24 picked from the process id (so parallel test files do not collide). */
export function makeTwoHosts(): TwoHosts {
  const tag = `${process.pid % 100000}`;
  const names: [string, string] = [`airlock-${tag}-a`, `airlock-${tag}-b`];
  const subnet = `10.${200 + (process.pid % 50)}.${process.pid % 250}`;
  const addresses: [string, string] = [`${subnet}.1`, `${subnet}.2`];
  const links = [`al${tag}a`, `al${tag}b`];
  const teardown = () => {
    for (const name of names) spawnSync('ip', ['netns', 'del', name]);
  };
  teardown();
  try {
    for (const name of names) ip(['netns', 'add', name]);
    ip(['link', 'add', links[0], 'type', 'veth', 'peer', 'name', links[1]]);
    names.forEach((name, index) => {
      ip(['link', 'set', links[index], 'netns', name]);
      ip(['-n', name, 'addr', 'add', `${addresses[index]}/24`, 'dev', links[index]]);
      ip(['-n', name, 'link', 'set', links[index], 'up']);
      ip(['-n', name, 'link', 'set', 'lo', 'up']);
    });
  } catch (error) {
    teardown();
    throw error;
  }
  return {
    names,
    addresses,
    spawn(index, command, args, options) {
      return spawn('ip', ['netns', 'exec', names[index], command, ...args], { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    },
    teardown,
  };
}
