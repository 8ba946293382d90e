// electron-builder configuration for the packaged app. `npm run dist` (build/dist.ts) and the packaging
// layout test build with it through electron-builder's API; nothing in it downloads: Electron comes from
// `electronDist` (an unpacked official zip), native modules are not rebuilt by electron-builder
// (build/native-rebuild.ts does that from local headers), and on Linux the .tar.gz and .deb are made
// from the `dir` output by build/linux-packages.ts (system tar and dpkg-deb, no 7-Zip, no fpm).
import { rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { flipFuses, FuseV1Options, FuseVersion, type FuseV1Config } from '@electron/fuses';
import type { AfterPackContext, Configuration } from 'electron-builder';

export const APP_ID = 'org.airlock.app';
export const PRODUCT_NAME = 'Airlock';
/** The Linux executable's name (and the .deb's package and /usr/bin command). */
export const EXECUTABLE_NAME = 'airlock';

/**
 * The packages the packaged main process loads from node_modules: build/build-electron.mjs bundles every
 * other import and leaves `electron` (Electron's own) and `better-sqlite3` external; `bindings` and
 * `file-uri-to-path` are what better-sqlite3 finds its .node file with.
 */
export const RUNTIME_MODULES = ['better-sqlite3', 'bindings', 'file-uri-to-path'];

/** Where the better-sqlite3 binary sits inside the app (unpacked from the asar: a native module cannot be loaded from inside it). */
export const SQLITE_NODE = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';

/**
 * Asar integrity: electron-builder 26 writes the asar header's hash into the macOS Info.plist and the
 * Windows executable's resources; Electron 39 validates it only there. Linux has no such check, so the
 * fuse stays off there rather than claiming a protection that does not exist.
 */
export function asarIntegritySupported(platform: string): boolean {
  return platform === 'darwin' || platform === 'mas' || platform === 'win32';
}

/** The fuses a release build sets (every fuse explicit, so a new Electron fuse fails the build until decided). */
export function releaseFuses(platform: string, arch: string): FuseV1Config {
  return {
    version: FuseVersion.V1,
    strictlyRequireAllFuses: true,
    // Without these, anyone who can start the app can run arbitrary Node code with its identity.
    [FuseV1Options.RunAsNode]: false,
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    [FuseV1Options.EnableNodeCliInspectArguments]: false,
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: asarIntegritySupported(platform),
    [FuseV1Options.OnlyLoadAppFromAsar]: true,
    [FuseV1Options.EnableCookieEncryption]: true,
    [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
    [FuseV1Options.GrantFileProtocolExtraPrivileges]: false, // the app serves its pages over its own scheme
    [FuseV1Options.WasmTrapHandlers]: true,
    // Flipping fuses invalidates the ad-hoc signature arm64 macOS requires; re-sign ad hoc (a real signature comes later).
    resetAdHocDarwinSignature: platform === 'darwin' && arch === 'arm64',
  } as FuseV1Config;
}

/** The Electron executable (or .app) inside electron-builder's output folder. */
export function electronBinaryPath(context: Pick<AfterPackContext, 'appOutDir' | 'electronPlatformName'>): string {
  const platform = context.electronPlatformName;
  if (platform === 'darwin' || platform === 'mas') return join(context.appOutDir, `${PRODUCT_NAME}.app`);
  if (platform === 'win32') return join(context.appOutDir, `${PRODUCT_NAME}.exe`);
  return join(context.appOutDir, EXECUTABLE_NAME);
}

/** afterPack: runs before signing, which is when fuses must be flipped. */
export async function afterPack(context: AfterPackContext): Promise<void> {
  const arch = ['ia32', 'x64', 'armv7l', 'arm64', 'universal'][context.arch] ?? String(context.arch);
  // An unpacked electronDist keeps Electron's demo app; the packaged app must not ship it.
  if (context.electronPlatformName !== 'darwin' && context.electronPlatformName !== 'mas') {
    rmSync(join(context.appOutDir, 'resources', 'default_app.asar'), { force: true });
  }
  await flipFuses(electronBinaryPath(context), releaseFuses(context.electronPlatformName, arch));
}

export interface BuilderOptions {
  /** An unpacked Electron distribution folder (never a zip: electron-builder would need 7-Zip to open it). */
  electronDist: string;
  /** Electron's version (the one `electronDist` holds). */
  electronVersion: string;
  /** Output folder. */
  output: string;
  /** better-sqlite3 rebuilt for Electron's ABI, put over the Node build in app.asar.unpacked. */
  electronSqliteNode?: string;
}

export function builderConfig(options: BuilderOptions): Configuration {
  return {
    appId: APP_ID,
    productName: PRODUCT_NAME,
    executableName: EXECUTABLE_NAME,
    copyright: 'Apache-2.0',
    electronVersion: options.electronVersion,
    electronDist: options.electronDist,
    // electron-builder would rebuild better-sqlite3 by downloading Electron's headers; build/native-rebuild.ts does it offline.
    npmRebuild: false,
    nodeGypRebuild: false,
    buildDependenciesFromSource: false,
    directories: { output: options.output, buildResources: 'build/resources' },
    // The root package.json has no `main` (the repository runs through tsx); the packaged one points at the bundle.
    extraMetadata: { main: 'dist/electron/main.mjs' },
    asar: true,
    files: [
      'package.json',
      'dist/electron/main.mjs',
      'dist/electron/preload.cjs',
      'dist/electron/package.json',
      'dist/renderer/**/*',
      '!dist/renderer/**/*.map',
      // Read by the Python trainer, which cannot look inside an asar: unpacked below.
      'trainer/airlock_trainer/**/*.py',
      'trainer/requirements.txt',
      'schemas/json/*.json',
      'resources/sample/**/*',
      // Everything the main process imports is bundled into main.mjs (and the page into dist/renderer) except
      // better-sqlite3 (native) and its loader: of the production dependencies electron-builder collects, only
      // those are packed. (Its node_modules filter takes exclusions only, hence the negated extglob.)
      `!node_modules/!(${RUNTIME_MODULES.join('|')})/**`,
      '!node_modules/@*/**',
      '!node_modules/better-sqlite3/build/deps/**',
      '!node_modules/better-sqlite3/{deps,src,docs,benchmark}/**',
      '!node_modules/better-sqlite3/build/Release/{obj,obj.target,.deps}/**',
      '!node_modules/better-sqlite3/build/Release/{test_extension.node,sqlite3.a}',
      '!node_modules/better-sqlite3/build/{*.mk,Makefile,config.gypi,binding.Makefile,*.target.mk,gyp-mac-tool}',
      '!node_modules/better-sqlite3/binding.gyp',
      '!node_modules/**/*.{map,md,markdown,ts,tsx,cts,mts}',
      // The Electron build of better-sqlite3 takes the Node build's place, inside the asar's listing
      // (Electron finds an unpacked file only through its entry there) and so unpacked beside it.
      ...(options.electronSqliteNode ? [`!${SQLITE_NODE}`, { from: dirname(options.electronSqliteNode), to: dirname(SQLITE_NODE), filter: [basename(options.electronSqliteNode)] }] : []),
    ],
    asarUnpack: ['**/*.node', 'trainer/**', 'schemas/json/**', 'resources/sample/**'],
    afterPack,
    linux: {
      // `npm run dist` builds `dir` and makes the tar.gz and deb itself; these are for electron-builder run directly where fpm and 7-Zip exist.
      target: ['dir', 'tar.gz', 'deb'],
      category: 'Development',
      synopsis: 'Fine-tune models offline on air-gapped workstations',
      description: 'Fine-tune models offline on air-gapped workstations, keep a run history, and hand results to MLflow later.',
      maintainer: 'Airlock maintainers <airlock@localhost>',
      executableName: EXECUTABLE_NAME,
    },
    deb: { depends: DEB_DEPENDS },
    win: { target: ['nsis'] },
    nsis: { oneClick: false, perMachine: false, allowToChangeInstallationDirectory: true },
    mac: { target: ['dmg'], category: 'public.app-category.developer-tools', hardenedRuntime: true },
    dmg: { sign: false },
    publish: null,
  };
}

/** What the packaged Electron needs from Debian/Ubuntu (the same list electron-builder's own .deb uses). */
export const DEB_DEPENDS = ['libgtk-3-0', 'libnotify4', 'libnss3', 'libxss1', 'libxtst6', 'xdg-utils', 'libatspi2.0-0', 'libuuid1', 'libsecret-1-0'];
