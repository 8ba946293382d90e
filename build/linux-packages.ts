// The Linux .tar.gz and .deb, made from electron-builder's `dir` output with the system's tar and dpkg-deb:
// electron-builder would download 7-Zip (for the gzip step) and fpm (for the .deb), and neither may be
// fetched on the release machine.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEB_DEPENDS, EXECUTABLE_NAME, PRODUCT_NAME } from './electron-builder.config.ts';

export interface PackageInfo {
  version: string;
  /** electron-builder's arch name: x64, arm64, armv7l. */
  arch: string;
  description: string;
  maintainer: string;
}

function run(command: string, args: string[], cwd?: string): void {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.error) throw new Error(`Could not run ${command}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`\`${command} ${args.join(' ')}\` failed (exit ${result.status}): ${result.stderr.trim()}`);
}

const DEB_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', armv7l: 'armhf', ia32: 'i386' };

export function debArch(arch: string): string {
  const name = DEB_ARCH[arch];
  if (!name) throw new Error(`No Debian architecture for ${arch}.`);
  return name;
}

/** airlock-<version>-linux-<arch>.tar.gz holding one folder of the same name (any user unpacks it anywhere). */
export function makeTarGz(appDir: string, outDir: string, info: PackageInfo): string {
  const name = `${EXECUTABLE_NAME}-${info.version}-linux-${info.arch}`;
  const file = join(outDir, `${name}.tar.gz`);
  rmSync(file, { force: true });
  // Owner root and sorted names: the archive does not carry the build user's ids and lists the same way each time.
  run('tar', ['--create', '--gzip', '--file', file, '--sort=name', '--owner=0', '--group=0', '--numeric-owner', `--transform=s,^\\.,${name},`, '.'], appDir);
  return file;
}

/** Every regular file and folder under `root` made u+rw,go+r (folders and executables +x): the build user's umask must not leak in. */
function normaliseModes(root: string): void {
  for (const entry of readdirSync(root)) {
    const path = join(root, entry);
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) continue;
    if (stat.isDirectory()) {
      chmodSync(path, 0o755);
      normaliseModes(path);
    } else {
      chmodSync(path, stat.mode & 0o111 ? 0o755 : 0o644);
    }
  }
}

export function controlFile(info: PackageInfo, installedKb: number): string {
  return [
    `Package: ${EXECUTABLE_NAME}`,
    `Version: ${info.version}`,
    `Architecture: ${debArch(info.arch)}`,
    `Maintainer: ${info.maintainer}`,
    `Installed-Size: ${installedKb}`,
    // Electron's own libraries (electron-builder's list), plus GBM and ALSA, which Chromium links against.
    `Depends: ${[...DEB_DEPENDS, 'libgbm1', 'libasound2 | libasound2t64'].join(', ')}`,
    // The training runtime pack is installed with the workstation's Python and its venv module.
    'Recommends: python3, python3-venv',
    'Section: science',
    'Priority: optional',
    `Description: ${info.description.split('\n')[0]}`,
    ' The Airlock desktop app. The training runtime is installed separately, from its pack',
    ' (see the administrator guide, docs/install.md).',
    '',
  ].join('\n');
}

const DESKTOP_FILE = `[Desktop Entry]
Name=${PRODUCT_NAME}
Comment=Fine-tune models offline
Exec=/opt/${PRODUCT_NAME}/${EXECUTABLE_NAME} %U
Terminal=false
Type=Application
Icon=${EXECUTABLE_NAME}
Categories=Development;Science;
StartupWMClass=${PRODUCT_NAME}
`;

/** airlock_<version>_<debarch>.deb: the app in /opt/Airlock, /usr/bin/airlock, a .desktop entry. Built as files owned by root (fakeroot). */
export function makeDeb(appDir: string, outDir: string, info: PackageInfo, workDir: string): string {
  const root = join(workDir, 'deb-root');
  rmSync(root, { recursive: true, force: true });
  const opt = join(root, 'opt', PRODUCT_NAME);
  mkdirSync(join(root, 'opt'), { recursive: true });
  cpSync(appDir, opt, { recursive: true, verbatimSymlinks: true });
  normaliseModes(opt);
  mkdirSync(join(root, 'usr', 'bin'), { recursive: true });
  symlinkSync(`/opt/${PRODUCT_NAME}/${EXECUTABLE_NAME}`, join(root, 'usr', 'bin', EXECUTABLE_NAME));
  const applications = join(root, 'usr', 'share', 'applications');
  mkdirSync(applications, { recursive: true });
  writeFileSync(join(applications, `${EXECUTABLE_NAME}.desktop`), DESKTOP_FILE, { mode: 0o644 });
  const icon = join(appDir, 'resources', 'icon.png');
  if (existsSync(icon)) {
    const icons = join(root, 'usr', 'share', 'icons', 'hicolor', '512x512', 'apps');
    mkdirSync(icons, { recursive: true });
    cpSync(icon, join(icons, `${EXECUTABLE_NAME}.png`));
  }
  const du = spawnSync('du', ['-sk', '--apparent-size', root], { encoding: 'utf8' });
  const installedKb = Number(du.stdout.split('\t')[0]) || 0;
  mkdirSync(join(root, 'DEBIAN'));
  writeFileSync(join(root, 'DEBIAN', 'control'), controlFile(info, installedKb), { mode: 0o644 });
  for (const folder of [root, join(root, 'DEBIAN'), join(root, 'usr'), join(root, 'usr', 'bin'), join(root, 'usr', 'share')]) chmodSync(folder, 0o755);
  const file = join(outDir, `${EXECUTABLE_NAME}_${info.version}_${debArch(info.arch)}.deb`);
  rmSync(file, { force: true });
  // chrome-sandbox must be setuid root for Chromium's sandbox where unprivileged user namespaces are off;
  // fakeroot lets the chown and chmod land in the archive without building as root.
  const sandbox = `opt/${PRODUCT_NAME}/chrome-sandbox`;
  const script = [
    'set -e',
    'chown -R 0:0 .',
    existsSync(join(root, sandbox)) ? `chmod 4755 ${sandbox}` : 'true',
    `dpkg-deb --root-owner-group -Zgzip --build . ${JSON.stringify(file)}`,
  ].join('\n');
  run('fakeroot', ['sh', '-c', script], root);
  rmSync(root, { recursive: true, force: true });
  return file;
}
