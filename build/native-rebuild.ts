// better-sqlite3 rebuilt for Electron's ABI from headers the release machine already holds
// (AIRLOCK_ELECTRON_HEADERS: Electron's node-v<version>-headers.tar.gz, or the folder it unpacks to).
// node-gyp is given them as --nodedir, so it downloads nothing. The build happens in a copy of the
// package: node_modules keeps the Node.js build the tests and the CLI use.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { DistError } from './electron-dist.ts';

/** The folder to hand node-gyp as --nodedir: the one holding include/node/node_version.h. */
export function headersFolder(given: string, scratch: string): string {
  if (!existsSync(given)) throw new DistError(`AIRLOCK_ELECTRON_HEADERS names ${given}, which does not exist.`);
  let folder = given;
  if (!statSync(given).isDirectory()) {
    folder = join(scratch, 'electron-headers');
    mkdirSync(folder, { recursive: true });
    const result = spawnSync('tar', ['-xzf', given, '-C', folder], { encoding: 'utf8' });
    if (result.status !== 0) throw new DistError(`Could not unpack ${given}: ${result.stderr.trim()}`);
  }
  if (existsSync(join(folder, 'include', 'node', 'node_version.h'))) return folder;
  // The official tarball holds a single top folder, node_headers/.
  for (const entry of readdirSync(folder)) {
    if (existsSync(join(folder, entry, 'include', 'node', 'node_version.h'))) return join(folder, entry);
  }
  throw new DistError(`${given} holds no include/node/node_version.h: it is not a Node.js headers tarball (Electron publishes node-v<version>-headers.tar.gz).`);
}

/** Rebuilds better-sqlite3 in `scratch` against `nodedir`; returns the new .node file. */
export function rebuildSqlite(root: string, nodedir: string, electronVersion: string, arch: string, scratch: string): string {
  // The real folder, copied as files: were the copy a link back into node_modules (a linked package, or
  // node_modules itself shared), node-gyp's rebuild would delete and replace the Node build in place.
  const source = realpathSync(join(root, 'node_modules', 'better-sqlite3'));
  const copy = join(scratch, 'better-sqlite3');
  cpSync(source, copy, { recursive: true, dereference: true, filter: (path) => path !== join(source, 'build') && !path.startsWith(join(source, 'build') + sep) });
  if (lstatSync(copy).isSymbolicLink() || !realpathSync(copy).startsWith(realpathSync(scratch))) {
    throw new DistError(`The copy of better-sqlite3 at ${copy} is not a separate folder; refusing to rebuild in node_modules.`);
  }
  const gyp = join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  const args = [gyp, 'rebuild', '--release', `--nodedir=${nodedir}`, `--target=${electronVersion}`, `--arch=${arch}`, '--jobs=max'];
  console.log(`dist: rebuilding better-sqlite3 for Electron ${electronVersion} (node-gyp --nodedir=${nodedir})…`);
  // An unreachable dist-url: if node-gyp ever wanted to download, it fails here instead of reaching out.
  const env = { ...process.env, npm_config_nodedir: nodedir, npm_config_disturl: 'http://127.0.0.1:9/', npm_config_runtime: 'electron', npm_config_target: electronVersion };
  const result = spawnSync(process.execPath, args, { cwd: copy, stdio: 'inherit', env });
  if (result.status !== 0) throw new DistError('Rebuilding better-sqlite3 for Electron failed (see node-gyp output above); a C++ compiler, make and Python are needed.');
  const built = join(copy, 'build', 'Release', 'better_sqlite3.node');
  if (!existsSync(built)) throw new DistError(`node-gyp finished but ${built} is missing.`);
  return built;
}
