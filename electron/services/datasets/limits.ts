/** Size limits that keep an import fast and its memory bounded, whatever the file holds. */

/** Largest single field (characters) before the import stops: real text fields are far smaller. */
export const MAX_FIELD_CHARS = 1024 * 1024;

/** Largest JSON line, or `.json` array item (UTF-8 bytes): several fields near the field limit still fit. */
export const MAX_JSONL_LINE_CHARS = 4 * MAX_FIELD_CHARS;

/** Most columns a file may have. */
export const MAX_COLUMNS = 2000;

/** Distinct values counted exactly, with their counts, per column. */
export const DISTINCT_CAP = 10_000;

/** Rows kept for the preview. */
export const PREVIEW_ROWS = 20;

/** Characters kept per preview cell. */
export const PREVIEW_CELL_CHARS = 500;

/** Bytes read per chunk from disk. */
export const CHUNK_BYTES = 1024 * 1024;

/** Bytes looked at to recognise binary files, web pages and the delimiter. */
export const SNIFF_BYTES = 64 * 1024;
