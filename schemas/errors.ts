import { z } from 'zod';

/** Every failure code a user can see. Stable: tests, the CLI and the trainer rely on these names. */
export const ErrorCode = z.enum([
  // input files
  'FILE_NOT_FOUND',
  'FILE_UNREADABLE',
  'DATASET_FORMAT_UNSUPPORTED',
  'DATASET_EMPTY',
  'DATASET_HEADER_ONLY',
  'DATASET_BINARY',
  'DATASET_HTML',
  'DATASET_ENCODING_UNSUPPORTED',
  'DATASET_UNTERMINATED_QUOTE',
  'DATASET_RAGGED_ROWS',
  'DATASET_DUPLICATE_HEADERS',
  'DATASET_FIELD_TOO_LARGE',
  'DATASET_JSONL_INVALID_LINE',
  'DATASET_JSON_INVALID',
  'DATASET_VALUE_TOO_DEEP',
  'DATASET_PARQUET_INVALID',
  'DATASET_NO_TEXT_COLUMN',
  'DATASET_NO_LABEL_COLUMN',
  'DATASET_COLUMN_MISSING',
  'DATASET_NOT_FOUND',
  'LABEL_COLUMN_SINGLE_CLASS',
  'LABEL_COLUMN_MOSTLY_MISSING',
  'LABEL_LIST_UNREADABLE',
  // image and audio folders
  'DATASET_LINK_OUTSIDE',
  'DATASET_LINK_LOOP',
  'DATASET_TOO_MANY_FILES',
  'DATASET_MIXED_MEDIA',
  'DATASET_NO_CLASS_FOLDERS',
  'DATASET_CLASS_EMPTY',
  'DATASET_FILES_UNREADABLE',
  'DATASET_ARCHIVE_UNSAFE',
  'DATASET_ARCHIVE_TOO_LARGE',
  'DATASET_ARCHIVE_INVALID',
  'MEDIA_EMPTY',
  'MEDIA_UNREADABLE',
  'MEDIA_TOO_LARGE',
  // supervised fine-tuning data (causal_lm)
  'SFT_COLUMN_MISSING',
  'SFT_COMPLETION_EMPTY',
  'SFT_FORMAT_UNKNOWN',
  'CHAT_MESSAGES_INVALID',
  'CHAT_NO_ASSISTANT_TURN',
  'CHAT_ROLE_UNKNOWN',
  // model cache
  'MODEL_NOT_FOUND',
  'MODEL_CONFIG_MISSING',
  'MODEL_CONFIG_INVALID',
  'MODEL_WEIGHTS_MISSING',
  'MODEL_WEIGHTS_UNSAFE',
  'MODEL_TOKENIZER_MISSING',
  'MODEL_UNSUPPORTED',
  'MODEL_MODALITY_MISMATCH',
  // configuration
  'CONFIG_NOT_FOUND',
  'CONFIG_YAML_INVALID',
  'CONFIG_INVALID',
  // training
  'TRAINER_NOT_INSTALLED',
  'TRAINER_CRASHED',
  'TRAINING_DIVERGED',
  'CUDA_OUT_OF_MEMORY',
  'CUDA_UNAVAILABLE',
  'MODEL_TOO_LARGE_FOR_GPU',
  'BASE_MODEL_MISSING',
  'CHECKPOINT_MISSING',
  'RUN_NOT_FOUND',
  'RUN_NOT_RESUMABLE',
  'DISK_FULL',
  'EXTENSION_FAILED',
  // more than one process, more than one machine
  'RANK_LOST',
  'CLUSTER_WORLD_MISMATCH',
  'JOB_FOLDER_INVALID',
  'JOB_FILE_CHANGED',
  'MASTER_UNREACHABLE',
  'MASTER_ADDRESS_INVALID',
  'RUN_IMPORT_INVALID',
  'RUN_IMPORT_CHANGED',
  'RUN_ALREADY_IMPORTED',
  // registry, predictions and export
  'REGISTRY_MODEL_NOT_FOUND',
  'RUN_NOT_COMPLETED',
  'EXPORT_TARGET_INVALID',
  'EXPORT_TARGET_EXISTS',
  'EXPORT_NO_SPACE',
  'EXPORT_FILE_TOO_LARGE_FOR_FAT32',
  'BUNDLE_MANIFEST_MISSING',
  'BUNDLE_MANIFEST_INVALID',
  'BUNDLE_FILE_MISSING',
  'BUNDLE_FILE_CHANGED',
  'BUNDLE_FILE_UNLISTED',
  'BUNDLE_PATH_UNSAFE',
  'BUNDLE_SYMLINK',
  // the training runtime (runtime packs)
  'RUNTIME_NOT_INSTALLED',
  'RUNTIME_PLATFORM_MISMATCH',
  'RUNTIME_PYTHON_MISSING',
  'RUNTIME_PYTHON_MISMATCH',
  'RUNTIME_INSTALL_FAILED',
  'RUNTIME_SELF_CHECK_FAILED',
  'RUNTIME_INSTALL_IN_PROGRESS',
  // MLflow sync
  'SYNC_NOT_CONFIGURED',
  'SYNC_IN_PROGRESS',
  'MLFLOW_AUTH_FAILED',
  'MLFLOW_UNREACHABLE',
  'MLFLOW_SERVER_ERROR',
  'MLFLOW_REJECTED',
  // front ends
  'ACCESS_DENIED',
  // anything else
  'INVALID_INPUT',
  'INTERNAL_ERROR',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** What every front end shows for a failure: a stable code, plain words, and what to do about it. */
export const AirlockErrorShape = z.object({
  code: ErrorCode,
  message: z.string().describe('What went wrong, in words a non-expert understands.'),
  hint: z.string().optional().describe('What the user can do about it.'),
  field: z.string().optional().describe('The config field or input the error is about, when there is one.'),
  details: z.array(z.string()).optional().describe('Every individual problem, when there are several.'),
});
export type AirlockErrorShape = z.infer<typeof AirlockErrorShape>;

/** An error that carries a stable code across process boundaries. Thrown inside one process only. */
export class AirlockError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly field?: string;
  readonly details?: string[];

  constructor(code: ErrorCode, message: string, options: { hint?: string; field?: string; details?: string[] } = {}) {
    super(message);
    this.name = 'AirlockError';
    this.code = code;
    this.hint = options.hint;
    this.field = options.field;
    this.details = options.details;
  }

  /** The wire shape of this error. */
  toJSON(): AirlockErrorShape {
    const shape: AirlockErrorShape = { code: this.code, message: this.message };
    if (this.hint) shape.hint = this.hint;
    if (this.field) shape.field = this.field;
    if (this.details) shape.details = this.details;
    return shape;
  }
}

/** Turns anything thrown into the wire shape, hiding stack traces behind INTERNAL_ERROR. */
export function toErrorShape(error: unknown): AirlockErrorShape {
  if (error instanceof AirlockError) return error.toJSON();
  const nodeCode = (error as { code?: string } | null)?.code;
  if (nodeCode === 'ENOSPC') {
    return { code: 'DISK_FULL', message: 'The disk is full.', hint: 'Free some space and try again.' };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL_ERROR', message: `Unexpected error: ${message}`, hint: 'This is a bug in Airlock; please report it with the steps that led here.' };
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A field path as users read it: `training.batch_size`, `experiment.tags["cost-center#"]`; a key that is not
 * a plain word is quoted so its dots, spaces and brackets cannot be misread. The trainer writes the same.
 */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) => {
      if (typeof part === 'number') return `[${part}]`;
      const text = String(part);
      if (IDENTIFIER.test(text)) return index === 0 ? text : `.${text}`;
      return `[${JSON.stringify(text)}]`;
    })
    .join('');
}
