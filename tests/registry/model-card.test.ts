import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { RunConfig } from '../../schemas/config.ts';
import type { ModelVersion } from '../../schemas/registry.ts';
import { modelCard } from '../../electron/services/export/model-card.ts';
import { codeBlock, markdownParagraphs, markdownText } from '../../electron/services/export/markdown.ts';

// The model card is read outside the app, in any Markdown viewer. Whatever a user typed (labels, names, a
// description, metric names, the config) must show there as the same text: no HTML, link, image, emphasis,
// extra table cell, heading or list. Checked with a real CommonMark parser (markdown-it-py, in the trainer's
// environment) with GitHub's tables and strikethrough on and raw HTML allowed, as GitHub allows it.

interface Block {
  type: string;
  tag: string;
  children?: string[];
  text?: string;
}

function parse(markdown: string): { html: string; blocks: Block[] } {
  const result = spawnSync(join('.venv', 'bin', 'python'), [join('tests', 'helpers', 'markdown_tokens.py')], { input: markdown, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`markdown_tokens.py failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** The texts of the inline blocks between the heading `title` and the next heading. */
function section(blocks: Block[], title: string): Block[] {
  const start = blocks.findIndex((block, index) => block.type === 'inline' && block.text === title && blocks[index - 1]?.type === 'heading_open');
  expect(start, `heading ${title}`).toBeGreaterThan(0);
  const end = blocks.findIndex((block, index) => index > start && block.type === 'heading_open');
  return blocks.slice(start + 2, end === -1 ? undefined : end);
}

const HOSTILE = [
  '<img src=x onerror=alert(1)>',
  '</td><script>alert(1)</script>',
  '| a | b |',
  '[x](javascript:alert(1))',
  '![pixel](http://tracker.example/p.png)',
  '<https://evil.example>',
  '# not a heading',
  '- not a nested list',
  '1. not an ordered list',
  '> not a quote',
  '`code` and ``more``',
  '**bold** _it_ ~~gone~~ $x$',
  '&lt;b&gt; stays as typed',
  'snake_case_label',
  'back\\slash \\<b>',
  '===',
];

function hostileVersion(): ModelVersion {
  const config = RunConfig.parse({
    data: { train_path: '/data/</td><img src=x>.csv', text_column: 'text', label_column: 'label' },
    experiment: { name: '```\n</pre><script>alert(1)</script>\n```', tags: { team: '<b>| x |</b>' } },
  });
  return {
    name: '<img src=x onerror=alert(1)>',
    version: 3,
    runId: 'run-1',
    stage: 'production',
    description: 'First line with <b>html</b> and [a link](javascript:alert(1)).\n\n# Not a heading\n| a | b |\n|---|---|\n    indented, not code\n<script>alert(1)</script>\n---',
    modelDir: '/nowhere',
    lineage: {
      runId: 'run-1',
      experiment: '"><svg onload=alert(1)>',
      task: 'classification',
      baseModel: '<iframe src=javascript:alert(1)>',
      datasetId: 'ds_1',
      datasetSha256: 'a'.repeat(64),
      datasetName: '[click me](javascript:alert(1))',
      config,
      metrics: { 'val/accuracy': 0.5, 'val/</td><script>x</script>': 0.25, 'val/a|b': 0.125 },
      labels: HOSTILE,
      device: '<b>cpu</b>',
      trainedAt: '2025-01-01T00:00:00.000Z',
    },
    stageHistory: [{ stage: 'production', at: '2025-01-01T00:00:00.000Z' }],
    createdAt: '2025-01-01T00:00:00.000Z',
  };
}

describe('model card: user text stays text in any Markdown viewer', () => {
  const version = hostileVersion();
  const card = modelCard(version, '2025-01-02T00:00:00.000Z');
  const { html, blocks } = parse(card);

  it('has no raw HTML, link, image or emphasis anywhere, and only the card\'s own structure', () => {
    const inlineKinds = new Set(blocks.flatMap((block) => block.children ?? []));
    for (const kind of inlineKinds) expect(['text', 'softbreak', 'code_inline'], `inline ${kind}`).toContain(kind);
    const blockKinds = new Set(blocks.map((block) => block.type));
    for (const kind of ['html_block', 'blockquote_open', 'ordered_list_open', 'hr', 'code_block']) expect(blockKinds.has(kind), kind).toBe(false);
    expect(blocks.filter((block) => block.type === 'heading_open').map((block) => block.tag)).toEqual(['h1', 'h2', 'h2', 'h2', 'h2', 'h2']);
    expect(blocks.filter((block) => block.type === 'fence')).toHaveLength(2); // the config and the Python example
    for (const tag of ['<img', '<script', '<svg', '<iframe', '<a ', '<b>', '<em>', '<strong>', '<del>', '<blockquote']) expect(html).not.toContain(tag);
  });

  it('shows every label as one list item with exactly its text', () => {
    const items = section(blocks, 'Labels').filter((block) => block.type === 'inline');
    expect(items.map((block) => block.text)).toEqual(HOSTILE);
    expect(section(blocks, 'Labels').filter((block) => block.type === 'bullet_list_open')).toHaveLength(1);
  });

  it('keeps the metrics table to two cells per metric, names shown as typed', () => {
    const rows = section(blocks, 'Metrics');
    const cells = rows.filter((block) => block.type === 'inline').map((block) => block.text);
    expect(cells).toEqual(['metric', 'value', 'val/</td><script>x</script>', '0.25', 'val/accuracy', '0.5', 'val/a|b', '0.125']);
  });

  it('shows the name, description and lineage as typed', () => {
    const texts = blocks.filter((block) => block.type === 'inline').map((block) => block.text);
    expect(texts[0]).toBe('<img src=x onerror=alert(1)> v3');
    expect(texts[1]).toBe('First line with <b>html</b> and [a link](javascript:alert(1)).');
    expect(texts[2]).toBe('# Not a heading\n| a | b |\n|---|---|\nindented, not code\n<script>alert(1)</script>\n---');
    expect(texts).toContain('Run: run-1 (experiment ""><svg onload=alert(1)>")');
    expect(texts).toContain('Base model: <iframe src=javascript:alert(1)>');
    expect(texts).toContain('Training data: [click me](javascript:alert(1)) (ds_1)');
    expect(texts).toContain('Trained on: <b>cpu</b>, finished 2025-01-01T00:00:00.000Z');
  });

  it('keeps the config in one code block that its content cannot close', () => {
    const config = blocks.find((block) => block.type === 'fence' && block.text?.includes('train_path'));
    expect(config?.text).toContain('</pre><script>alert(1)</script>');
    expect(config?.text).toContain('```');
    expect(section(blocks, 'Training config').filter((block) => block.type !== 'fence')).toEqual([]);
  });
});

describe('Markdown escaping helpers', () => {
  it('leaves plain names readable', () => {
    expect(markdownText('tickets-v1 val/f1_macro 2025-01-01')).toBe('tickets-v1 val/f1_macro 2025-01-01');
  });

  it('escapes what would start structure, and entities for <, > and &', () => {
    expect(markdownText('<b> & | * _x_ [a](b) `c` # - ')).toBe('&lt;b&gt; &amp; \\| \\* \\_x\\_ \\[a\\](b) \\`c\\` \\# -');
    expect(markdownText('- item')).toBe('\\- item');
    expect(markdownText('12) twelve')).toBe('12\\) twelve');
    expect(markdownText('one\ntwo\r\n\tthree')).toBe('one two three');
  });

  it('keeps paragraphs of a description apart and drops the indentation that would make code', () => {
    expect(markdownParagraphs('a\n\n\n\n    b\nc')).toBe('a\n\nb\nc');
  });

  it('fences code with more backticks than it holds', () => {
    expect(codeBlock('x ````` y', 'yaml')).toBe('``````yaml\nx ````` y\n``````');
    expect(codeBlock('plain\n')).toBe('```\nplain\n```');
  });
});

describe('model card: the team\'s own code that shaped the model', () => {
  it('lists each file with its field, SHA-256 and origin, as text', () => {
    const version = hostileVersion();
    const sha = 'b'.repeat(64);
    version.lineage.config = RunConfig.parse({
      ...version.lineage.config,
      allow_custom_code: true,
      training: { ...version.lineage.config.training, loss: { path: 'extensions/losses.py:focal_loss', args: { gamma: 2 }, sha256: sha, source: '/team/<b>ext</b>|losses.py' } },
      evaluation: { metrics: [{ torchmetrics: 'MulticlassAUROC', args: {} }, 'extensions/metrics.py:cost'] },
    });
    const { blocks, html } = parse(modelCard(version, '2025-01-02T00:00:00.000Z'));
    const cells = section(blocks, 'Custom code').filter((block) => block.type === 'inline').map((block) => block.text);
    expect(cells.slice(1)).toEqual([
      'field', 'code', 'SHA-256', 'copied from',
      'training.loss', 'extensions/losses.py:focal_loss', sha, '/team/<b>ext</b>|losses.py',
      'evaluation.metrics[1]', 'extensions/metrics.py:cost', 'not recorded', '-',
    ]);
    expect(html).not.toContain('<b>');
  });
});
