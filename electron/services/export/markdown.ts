/**
 * Escaping for user text in the Markdown documents Airlock writes (the bundle's model card), so that a label, a name
 * or a description shows as the same text in any CommonMark or GitHub viewer: never raw HTML, a link, an image,
 * emphasis, a table cell break or a new block. Characters are escaped with a backslash (CommonMark allows one before
 * any ASCII punctuation) and <, > and & become entities, which every viewer shows as those characters.
 */

// Characters that start inline structure anywhere: code spans, emphasis, links and images, table cells,
// strikethrough, math, headings' closing run, backslash escapes themselves.
const INLINE = /[\\`*[\]|~$#]/g;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const WORD = /[\p{L}\p{N}]/u;

function escapeLine(line: string): string {
  let text = line.replace(INLINE, (character) => `\\${character}`).replace(/[&<>]/g, (character) => ENTITIES[character]);
  // `_` between two letters or digits (snake_case) never starts emphasis; elsewhere it can.
  text = text.replace(/_/g, (underscore, offset: number, whole: string) => (WORD.test(whole[offset - 1] ?? '') && WORD.test(whole[offset + 1] ?? '') ? underscore : '\\_'));
  // At the start of a line (or of a list item) these begin a list, a setext underline or a thematic break.
  text = text.replace(/^[-+=]/, (character) => `\\${character}`).replace(/^(\d+)([.)])/, '$1\\$2');
  return text;
}

/** One line of text: line breaks and other control characters become spaces, runs of white space one space. */
export function markdownText(value: string): string {
  return escapeLine(value.replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim());
}

/** Several lines of text (a description): each line escaped on its own and trimmed (leading spaces would make code); blank lines part paragraphs. */
export function markdownParagraphs(value: string): string {
  return value
    .split(/\r\n|\r|\n/)
    .map((line) => markdownText(line))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** A fenced code block that nothing inside `code` can close: its fence is longer than any run of backticks in it. */
export function codeBlock(code: string, info = ''): string {
  const longest = Math.max(0, ...(code.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${info}\n${code.replace(/\r\n?/g, '\n').trimEnd()}\n${fence}`;
}
