import { z } from 'zod';
import { RecordedRunConfig } from './config.ts';

/** Where a model version stands in its life: `none` until someone promotes it. */
export const Stage = z.enum(['none', 'staging', 'production', 'archived']);
export type Stage = z.infer<typeof Stage>;

/** Where a model version came from: enough to retrain it or to judge it without Airlock. */
export const Lineage = z.object({
  runId: z.string(),
  experiment: z.string(),
  task: z.string().describe('classification, multi_label or regression.'),
  baseModel: z.string().describe('The cache id (or folder name) of the model the run fine-tuned.'),
  datasetId: z.string().nullable(),
  datasetSha256: z.string().nullable().describe('SHA-256 of the training file as imported.'),
  datasetName: z.string().nullable(),
  config: RecordedRunConfig.describe('The resolved config the run trained with.'),
  metrics: z.record(z.string(), z.number()),
  labels: z.array(z.string()),
  device: z.string().nullable(),
  trainedAt: z.string().nullable().describe('When the run finished (ISO 8601).'),
});
export type Lineage = z.infer<typeof Lineage>;

/** One recorded stage change. */
export const StageChange = z.object({ stage: Stage, at: z.string().describe('ISO 8601 time of the change.') });
export type StageChange = z.infer<typeof StageChange>;

/** One version of a registered model: a completed run's model, numbered per name from 1. */
export const ModelVersion = z.object({
  name: z.string(),
  version: z.number().int().min(1),
  runId: z.string(),
  stage: Stage,
  description: z.string().nullable(),
  modelDir: z.string().describe("The run's saved model folder (safetensors, config, tokenizer)."),
  lineage: Lineage,
  stageHistory: z.array(StageChange).describe('Every stage the version had, oldest first (the first is set at registration).'),
  createdAt: z.string(),
});
export type ModelVersion = z.infer<typeof ModelVersion>;

/** A named model and its versions, newest first. */
export const RegisteredModel = z.object({
  name: z.string(),
  createdAt: z.string(),
  versions: z.array(ModelVersion),
});
export type RegisteredModel = z.infer<typeof RegisteredModel>;

/** `name`, `name@3` or `name@production`: a model version as users type it. */
export const ModelRef = z
  .string()
  .min(1)
  .max(300)
  .describe('A registered model: "name" (its newest version), "name@<version>" or "name@<stage>".');

/** One prediction: the most likely label and its probability (the predicted value for regression). */
export const Prediction = z.object({
  text: z.string(),
  label: z.string().describe('The top label (the target name for regression).'),
  probability: z.number().nullable().describe('Probability of the top label (sigmoid per label for multi-label); null for regression.'),
  labels: z.array(z.string()).optional().describe('Multi-label: every label at or over 0.5.'),
  value: z.number().optional().describe('Regression: the predicted number.'),
  scores: z.record(z.string(), z.number()).optional().describe('Every label\'s probability.'),
  ranked: z
    .array(z.object({ label: z.string(), probability: z.number() }))
    .optional()
    .describe('Every label with its probability, most likely first (absent for regression).'),
  lowConfidence: z.boolean().optional().describe('True when the top label is not clearly more likely than the others.'),
  confidenceNote: z.string().optional().describe('Why the prediction is uncertain, in plain words, when it is.'),
});
export type Prediction = z.infer<typeof Prediction>;

/** One file of a bundle as manifest.json lists it. */
export const ManifestFile = z.object({
  path: z.string().min(1).describe('Relative path with forward slashes.'),
  size: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ManifestFile = z.infer<typeof ManifestFile>;

/** manifest.json: what a bundle must hold, byte for byte. Written last. */
/** The base model a LoRA adapter needs: its name and the SHA-256 fingerprint of its weights (base_digest.py). */
export const BaseModelRecord = z.object({
  name: z.string().describe('model.name of the run: the base model\'s cache id.'),
  sha256: z.string().describe('SHA-256 over the lines "<path> <sha256>\\n" of the base folder\'s *.safetensors files, sorted.'),
});
export type BaseModelRecord = z.infer<typeof BaseModelRecord>;

/** What a causal language model bundle holds: the LoRA adapter alone, or the model with the adapter merged in. */
export const LmBundleKind = z.enum(['adapter', 'merged']);
export type LmBundleKind = z.infer<typeof LmBundleKind>;

export const BundleManifest = z.object({
  format: z.literal('airlock-bundle'),
  formatVersion: z.literal(1),
  model: z.object({ name: z.string(), version: z.number().int(), runId: z.string(), stage: Stage }),
  createdAt: z.string(),
  kind: LmBundleKind.optional().describe('Causal language models only.'),
  base: BaseModelRecord.optional().describe('The base model of a LoRA fine-tuning (an adapter bundle needs it to load).'),
  files: z.array(ManifestFile),
});
export type BundleManifest = z.infer<typeof BundleManifest>;

/** A bundle that passed verification. */
export const VerifiedBundle = z.object({
  path: z.string(),
  model: BundleManifest.shape.model,
  kind: LmBundleKind.optional(),
  base: BaseModelRecord.optional(),
  files: z.number().int().describe('Files checked (manifest.json not counted).'),
  bytes: z.number().int(),
  manifestSha256: z.string().describe('SHA-256 of manifest.json itself: one fingerprint for the whole bundle.'),
});
export type VerifiedBundle = z.infer<typeof VerifiedBundle>;

/** A mounted volume an export could go to. */
export const Volume = z.object({
  path: z.string(),
  device: z.string(),
  fsType: z.string(),
  totalBytes: z.number(),
  freeBytes: z.number(),
  removable: z.boolean().describe('A drive the system reports as removable: on Linux a USB or removable-media device with a drive file system.'),
});
export type Volume = z.infer<typeof Volume>;
