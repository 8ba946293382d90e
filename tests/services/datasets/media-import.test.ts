/**
 * Image and audio folders through the real catalog and the real trainer decoder: layouts, profile,
 * warnings, identity by content, and every bad input with its code and nothing stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AirlockError } from '../../../schemas/errors.ts';
import type { DatasetCatalog } from '../../../electron/services/catalog/dataset-catalog.ts';
import type { HomePaths } from '../../../electron/services/home.ts';
import { createServices, type Services } from '../../../electron/services/index.ts';
import { tempDir } from '../../helpers/home.ts';

const PYTHON = join('.venv', 'bin', 'python');

function python(args: string[], input?: string): void {
  const result = spawnSync(PYTHON, args, { encoding: 'utf8', input });
  if (result.status !== 0) throw new Error(result.stderr);
}

function makeMedia(kind: 'digits' | 'shapes' | 'tones', folder: string, extra: string[] = []): void {
  python(['tests/helpers/make_media.py', kind, folder, ...extra]);
}

/** Runs Python with Pillow/soundfile/numpy to write one odd file. */
function pythonWrite(code: string): void {
  python(['-c', code]);
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<AirlockError> {
  const error = await promise.then(() => null, (caught: unknown) => caught);
  expect(error, `expected ${code}`).toBeInstanceOf(AirlockError);
  expect((error as AirlockError).code, (error as AirlockError).message).toBe(code);
  return error as AirlockError;
}

describe('image and audio folders', () => {
  const dir = tempDir();
  const sources = join(dir.path, 'sources');
  let services: Services;
  let catalog: DatasetCatalog;
  let home: HomePaths;
  const stored = () => readdirSync(home.datasets);
  const staged = () => readdirSync(home.staging);

  beforeAll(async () => {
    services = await createServices(join(dir.path, 'home'));
    catalog = services.datasets;
    home = services.paths;
    makeMedia('shapes', join(sources, 'shapes'), ['--per-class', '6', '--size', '24']);
  });
  afterAll(() => {
    services.close();
    dir.cleanup();
  });

  /** A fresh copy of the good shapes folder to spoil. */
  function copyOfShapes(name: string): string {
    const target = join(sources, name);
    cpSync(join(sources, 'shapes'), target, { recursive: true });
    return target;
  }

  it('imports class subfolders: modality, labels, profile, table and file copies; the same content again is the same dataset', async () => {
    const { dataset, existing } = await catalog.import(join(sources, 'shapes'));
    expect(existing).toBe(false);
    expect(dataset.format).toBe('image-folder');
    expect(dataset.detection.modality).toBe('image');
    expect(dataset.detection.task).toBe('classification');
    expect(dataset.detection.labels).toEqual([{ label: 'circle', count: 6 }, { label: 'square', count: 6 }, { label: 'triangle', count: 6 }]);
    expect(dataset.media?.image?.width.max).toBe(24);
    expect(dataset.media?.image?.modes).toEqual({ RGB: 18 });
    const rows = readFileSync(dataset.dataPath, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(rows).toHaveLength(18);
    expect(rows[0]).toEqual(['circle/circle_0000.png', 'circle']);
    const copied = readFileSync(join(home.datasets, dataset.id, 'files', 'circle', 'circle_0000.png'));
    expect(copied.equals(readFileSync(join(sources, 'shapes', 'circle', 'circle_0000.png')))).toBe(true);

    const moved = join(sources, 'elsewhere');
    cpSync(join(sources, 'shapes'), moved, { recursive: true });
    const again = await catalog.import(moved);
    expect(again.existing).toBe(true);
    expect(again.dataset.id).toBe(dataset.id);
    expect(staged()).toEqual([]);
  });

  it('reads split folders and warns when the same file is in training and test data', async () => {
    const folder = join(sources, 'tones');
    makeMedia('tones', folder, ['--per-class', '7', '--splits', '--seconds', '0.2', '--rate', '8000']);
    cpSync(join(folder, 'train', 'low', 'low_0000.wav'), join(folder, 'test', 'low', 'copy.wav'));
    pythonWrite(`import numpy as np, soundfile as sf; sf.write(${JSON.stringify(join(folder, 'train', 'mid', 'stereo.wav'))}, np.zeros((4410, 2), 'float32') + 0.1, 44100)`);
    const { dataset } = await catalog.import(folder);
    expect(dataset.format).toBe('audio-folder');
    expect(dataset.media?.splits).toEqual(['train', 'validation', 'test']);
    expect(dataset.columns.map((column) => column.name)).toEqual(['file', 'label', 'split']);
    const codes = dataset.detection.warnings.map((warning) => warning.code);
    expect(codes).toEqual(expect.arrayContaining(['MEDIA_LEAKAGE', 'MEDIA_RESAMPLED', 'MEDIA_DOWNMIXED']));
    expect(dataset.detection.warnings.find((w) => w.code === 'MEDIA_LEAKAGE')!.message).toContain('test/low/copy.wav');
    expect(dataset.media?.audio?.sampleRates).toEqual({ 8000: 22, 44100: 1 });
  });

  it('converts greyscale, 16-bit, CMYK and transparent images, and turns EXIF-rotated ones upright, saying so', async () => {
    const folder = copyOfShapes('modes');
    const code = [
      'from PIL import Image; import numpy as np',
      `d = ${JSON.stringify(join(folder, 'circle'))}`,
      "Image.new('L', (20, 10), 128).save(d + '/grey.png')",
      "Image.fromarray((np.arange(200, dtype=np.uint16).reshape(10, 20) * 300)).save(d + '/deep.png')",
      "Image.new('CMYK', (20, 10)).save(d + '/print.jpg')",
      "Image.new('RGBA', (20, 10), (255, 0, 0, 0)).save(d + '/clear.png')",
      "e = Image.Exif(); e[0x0112] = 6; Image.new('RGB', (20, 10)).save(d + '/turned.jpg', exif=e)",
    ].join('\n');
    pythonWrite(code);
    const { dataset } = await catalog.import(folder);
    const warnings = Object.fromEntries(dataset.detection.warnings.map((w) => [w.code, w.message]));
    expect(warnings.MEDIA_CONVERTED).toMatch(/4 image\(s\).*greyscale.*16-bit.*CMYK.*transparency|4 image\(s\)/);
    expect(warnings.MEDIA_CONVERTED).toContain('transparency is laid on white');
    expect(warnings.MEDIA_ROTATED).toContain('circle/turned.jpg');
    expect(dataset.media?.image?.height.max).toBe(24);
    expect(dataset.media?.image?.width.min).toBe(10); // the turned picture is 10 wide once upright
  });

  it('reads every picture and sound format it promises', async () => {
    const images = join(sources, 'formats-images');
    const sounds = join(sources, 'formats-sounds');
    pythonWrite([
      'from PIL import Image; import numpy as np, soundfile as sf, os',
      `i, s = ${JSON.stringify(images)}, ${JSON.stringify(sounds)}`,
      "for c in ('a', 'b'): os.makedirs(f'{i}/{c}'); os.makedirs(f'{s}/{c}')",
      "for c, colour in (('a', (200, 0, 0)), ('b', (0, 0, 200))):",
      "  for ext in ('png', 'jpg', 'bmp', 'webp', 'tiff'): Image.new('RGB', (16, 12), colour).save(f'{i}/{c}/p.{ext}')",
      "  frames = [Image.new('P', (16, 12), n) for n in range(3)]; frames[0].save(f'{i}/{c}/p.gif', save_all=True, append_images=frames[1:])",
      "  wave = (0.3 * np.sin(np.arange(4000) / 5)).astype('float32')",
      "  for name, subtype in (('u8', 'PCM_U8'), ('s16', 'PCM_16'), ('s24', 'PCM_24'), ('f32', 'FLOAT')): sf.write(f'{s}/{c}/{name}.wav', wave, 8000, subtype=subtype)",
      "  sf.write(f'{s}/{c}/c.flac', wave, 8000); sf.write(f'{s}/{c}/c.ogg', wave, 8000, format='OGG', subtype='VORBIS'); sf.write(f'{s}/{c}/c.mp3', wave, 8000, format='MP3', subtype='MPEG_LAYER_III')",
    ].join('\n'));
    const pictures = (await catalog.import(images)).dataset;
    expect(pictures.rows).toBe(12);
    expect(pictures.media?.image?.formats).toEqual({ BMP: 2, GIF: 2, JPEG: 2, PNG: 2, TIFF: 2, WEBP: 2 });
    const clips = (await catalog.import(sounds)).dataset;
    expect(clips.rows).toBe(14);
    expect(clips.media?.audio?.sampleRates).toEqual({ 8000: 14 });
  });

  it('reads a metadata.csv naming each file and its labels (multi-label lists too), and a table with a column of paths', async () => {
    const folder = join(sources, 'with-metadata');
    cpSync(join(sources, 'shapes'), join(folder, 'images'), { recursive: true });
    const lines = ['file_name,tags'];
    for (const shape of ['circle', 'square', 'triangle']) {
      for (let n = 0; n < 6; n++) lines.push(`images/${shape}/${shape}_${String(n).padStart(4, '0')}.png,"[""${shape}"", ""${n % 2 ? 'odd' : 'even'}""]"`);
    }
    writeFileSync(join(folder, 'metadata.csv'), `${lines.join('\n')}\n`);
    const { dataset } = await catalog.import(folder);
    expect(dataset.detection.modality).toBe('image');
    expect(dataset.detection.task).toBe('multi_label');
    expect(dataset.detection.textColumn).toBe('file_name');
    expect(dataset.detection.labels).toEqual(expect.arrayContaining([{ label: 'even', count: 9 }, { label: 'circle', count: 6 }]));
    expect(dataset.media?.files).toBe(18);
    expect(readFileSync(join(home.datasets, dataset.id, 'files', 'images', 'square', 'square_0003.png')).length).toBeGreaterThan(0);
    const schema = JSON.parse(readFileSync(join(home.datasets, dataset.id, 'table.schema.json'), 'utf8'));
    expect(schema.media).toEqual({ kind: 'image', files: 'files', column: 'file_name' });

    // the same table anywhere, naming files relative to itself
    writeFileSync(join(folder, 'shapes.csv'), `path,shape\n${['circle', 'square'].flatMap((shape) => [0, 1, 2].map((n) => `images/${shape}/${shape}_000${n}.png,${shape}`)).join('\n')}\n`);
    const table = (await catalog.import(join(folder, 'shapes.csv'))).dataset;
    expect(table.detection).toMatchObject({ modality: 'image', task: 'classification', textColumn: 'path', labelColumn: 'shape' });
    expect(table.rows).toBe(6);
  });

  describe('bad input: a code, the file named, nothing stored', () => {
    let before: string[];
    beforeAll(() => {
      before = stored();
    });
    const nothingStored = () => {
      expect(stored()).toEqual(before);
      expect(staged()).toEqual([]);
    };

    it('an empty folder', async () => {
      mkdirSync(join(sources, 'empty', 'cats'), { recursive: true });
      writeFileSync(join(sources, 'empty', 'notes.txt'), 'nothing here');
      await expectCode(catalog.import(join(sources, 'empty')), 'DATASET_EMPTY');
      nothingStored();
    });

    it('one class only', async () => {
      const folder = join(sources, 'one');
      cpSync(join(sources, 'shapes', 'circle'), join(folder, 'circle'), { recursive: true });
      await expectCode(catalog.import(folder), 'LABEL_COLUMN_SINGLE_CLASS');
      nothingStored();
    });

    it('files not in class folders', async () => {
      const folder = join(sources, 'flat');
      cpSync(join(sources, 'shapes', 'circle'), folder, { recursive: true });
      await expectCode(catalog.import(folder), 'DATASET_NO_CLASS_FOLDERS');
      nothingStored();
    });

    it('a class folder with no usable files', async () => {
      const folder = copyOfShapes('empty-class');
      mkdirSync(join(folder, 'hexagon'));
      const error = await expectCode(catalog.import(folder), 'DATASET_CLASS_EMPTY');
      expect(error.message).toContain('"hexagon"');
      nothingStored();
    });

    it('images and audio mixed', async () => {
      const folder = copyOfShapes('mixed');
      makeMedia('tones', join(sources, 'mixed-tones'), ['--per-class', '1', '--seconds', '0.1']);
      cpSync(join(sources, 'mixed-tones', 'low'), join(folder, 'low'), { recursive: true });
      await expectCode(catalog.import(folder), 'DATASET_MIXED_MEDIA');
      nothingStored();
    });

    const spoilers: [string, string, string][] = [
      ['a text file named .jpg', 'MEDIA_UNREADABLE', "open(d + '/note.jpg', 'w').write('hello, not a picture')"],
      ['a truncated PNG', 'MEDIA_UNREADABLE', "b = open(d + '/circle_0000.png', 'rb').read(); open(d + '/cut.png', 'wb').write(b[: len(b) // 2])"],
      ['a 0-byte file', 'MEDIA_EMPTY', "open(d + '/zero.png', 'wb').close()"],
      ['a decompression bomb', 'MEDIA_TOO_LARGE', "from PIL import Image; Image.new('1', (12000, 12000)).save(d + '/bomb.png')"],
    ];
    for (const [what, code, write] of spoilers) {
      it(what, async () => {
        const folder = copyOfShapes(code + what.length);
        pythonWrite(`d = ${JSON.stringify(join(folder, 'circle'))}\n${write}`);
        const error = await expectCode(catalog.import(folder), code);
        expect(error.message).toMatch(/^circle\//);
        nothingStored();
      });
    }

    it('a 0-second clip', async () => {
      const folder = join(sources, 'silent');
      makeMedia('tones', folder, ['--per-class', '2', '--seconds', '0.1']);
      pythonWrite(`import numpy as np, soundfile as sf; sf.write(${JSON.stringify(join(folder, 'low', 'none.wav'))}, np.zeros(0, 'float32'), 16000)`);
      const error = await expectCode(catalog.import(folder), 'MEDIA_EMPTY');
      expect(error.message).toContain('low/none.wav');
      nothingStored();
    });

    it('several unreadable files are listed one by one; --skip-unreadable imports the rest and says what was left out', async () => {
      const folder = copyOfShapes('several');
      writeFileSync(join(folder, 'circle', 'a.png'), 'not an image');
      writeFileSync(join(folder, 'square', 'b.png'), '');
      cpSync(join(folder, 'circle', 'circle_0001.png'), join(folder, 'circle', 'extra.png')); // other content than the shapes dataset
      const error = await expectCode(catalog.import(folder), 'DATASET_FILES_UNREADABLE');
      expect(error.details).toEqual([expect.stringMatching(/^circle\/a\.png: .*MEDIA_UNREADABLE/), expect.stringMatching(/^square\/b\.png: .*MEDIA_EMPTY/)]);
      nothingStored();
      const { dataset } = await catalog.import(folder, { skipUnreadable: true });
      expect(dataset.rows).toBe(19);
      expect(dataset.media?.unusable.map((entry) => entry.file)).toEqual(['circle/a.png', 'square/b.png']);
      expect(dataset.detection.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['MEDIA_FILES_LEFT_OUT', 'MEDIA_DUPLICATES']));
      // the same usable files again, with other unreadable ones: the stored dataset, told what this import left out
      writeFileSync(join(folder, 'triangle', 'c.png'), 'not an image either');
      rmSync(join(folder, 'circle', 'a.png'));
      const again = await catalog.import(folder, { skipUnreadable: true });
      expect(again.existing).toBe(true);
      expect(again.dataset.detection.warnings.find((w) => w.code === 'MEDIA_FILES_LEFT_OUT')?.message).toContain('triangle/c.png');
      rmSync(join(home.datasets, dataset.id), { recursive: true });
      before = stored();
    });

    it('a link leading out of the folder', async () => {
      const folder = copyOfShapes('link-out');
      symlinkSync(join(sources, 'shapes', 'square'), join(folder, 'outside'));
      const error = await expectCode(catalog.import(folder), 'DATASET_LINK_OUTSIDE');
      expect(error.message).toContain('outside');
      nothingStored();
    });

    it('archives: a .zip and a .tar.gz of the folder import as the folder does', async () => {
      const shapes = join(sources, 'shapes');
      pythonWrite(`import shutil; shutil.make_archive(${JSON.stringify(join(sources, 'packed'))}, 'zip', ${JSON.stringify(sources)}, 'shapes')`);
      const zipped = await catalog.import(join(sources, 'packed.zip'));
      expect(zipped.existing).toBe(true); // same files, labels and splits as the folder imported first
      pythonWrite(`import shutil; shutil.make_archive(${JSON.stringify(join(sources, 'flat'))}, 'gztar', ${JSON.stringify(shapes)})`);
      const tarred = await catalog.import(join(sources, 'flat.tar.gz'));
      expect(tarred.dataset.id).toBe(zipped.dataset.id);
      expect(staged()).toEqual([]);
    });

    const archives: [string, string, string][] = [
      ['a zip entry climbing out with ..', 'DATASET_ARCHIVE_UNSAFE', "import zipfile\nwith zipfile.ZipFile(out + '.zip', 'w') as z:\n  z.writestr('cat/a.png', png)\n  z.writestr('../escaped.png', png)"],
      ['a zip entry with an absolute path', 'DATASET_ARCHIVE_UNSAFE', "import zipfile\nwith zipfile.ZipFile(out + '.zip', 'w') as z:\n  z.writestr('/tmp/escaped.png', png)"],
      ['a zip holding a symbolic link', 'DATASET_ARCHIVE_UNSAFE', "import zipfile\ni = zipfile.ZipInfo('cat/link.png'); i.external_attr = (0o120777 << 16)\nwith zipfile.ZipFile(out + '.zip', 'w') as z:\n  z.writestr(i, '/etc/passwd')"],
      ['a tar holding a symbolic link', 'DATASET_ARCHIVE_UNSAFE', "import tarfile\ni = tarfile.TarInfo('cat/link.png'); i.type = tarfile.SYMTYPE; i.linkname = '/etc/passwd'\nwith tarfile.open(out + '.tar', 'w') as t:\n  t.addfile(i)"],
      ['a tar entry climbing out with ..', 'DATASET_ARCHIVE_UNSAFE', "import tarfile, io\ni = tarfile.TarInfo('../escaped.png'); i.size = len(png)\nwith tarfile.open(out + '.tar', 'w') as t:\n  t.addfile(i, io.BytesIO(png))"],
      ['a zip bomb', 'DATASET_ARCHIVE_TOO_LARGE', "import zipfile\nwith zipfile.ZipFile(out + '.zip', 'w', zipfile.ZIP_DEFLATED) as z:\n  z.writestr('cat/zeros.png', bytes(96 * 1024 * 1024))"],
      ['a file named .zip that is not an archive', 'DATASET_ARCHIVE_INVALID', "open(out + '.zip', 'w').write('not a zip')"],
    ];
    for (const [what, code, write] of archives) {
      it(what, async () => {
        const out = join(sources, `archive-${archives.findIndex((entry) => entry[0] === what)}`);
        pythonWrite(`png = open(${JSON.stringify(join(sources, 'shapes', 'circle', 'circle_0000.png'))}, 'rb').read()\nout = ${JSON.stringify(out)}\n${write}`);
        const archive = readdirSync(sources).map((name) => join(sources, name)).find((path) => path.startsWith(`${out}.`))!;
        await expectCode(catalog.import(archive), code);
        nothingStored();
        expect(readdirSync(dir.path)).not.toContain('escaped.png');
        expect(readdirSync(sources)).not.toContain('escaped.png');
      });
    }

    it('a table naming a file outside its folder, or a missing file', async () => {
      const folder = join(sources, 'bad-table');
      cpSync(join(sources, 'shapes'), join(folder, 'images'), { recursive: true });
      writeFileSync(join(folder, 'out.csv'), 'path,shape\nimages/circle/circle_0000.png,circle\n../shapes/square/square_0000.png,square\nimages/square/square_0001.png,square\n');
      const outside = await expectCode(catalog.import(join(folder, 'out.csv')), 'DATASET_LINK_OUTSIDE');
      expect(outside.message).toContain('Row 2');
      writeFileSync(join(folder, 'missing.csv'), 'path,shape\nimages/circle/circle_0000.png,circle\nimages/square/nope.png,square\nimages/square/square_0001.png,square\n');
      const missing = await expectCode(catalog.import(join(folder, 'missing.csv')), 'FILE_NOT_FOUND');
      expect(missing.message).toContain('images/square/nope.png');
      nothingStored();
    });

    it('a link in a loop', async () => {
      const folder = copyOfShapes('link-loop');
      symlinkSync(folder, join(folder, 'circle', 'again'));
      await expectCode(catalog.import(folder), 'DATASET_LINK_LOOP');
      nothingStored();
    });
  });
});
