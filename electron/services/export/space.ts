import { AirlockError } from '../../../schemas/errors.ts';

/** FAT32 stores a file's size in 32 bits: 4 GiB minus one byte is the largest file it can hold. */
export const FAT32_MAX_FILE_BYTES = 4 * 1024 ** 3 - 1;
/** Room for what MLflow and Airlock add beside the weights (MLmodel, environment files, card, manifest). */
export const BUNDLE_OVERHEAD_BYTES = 64 * 1024;
const BLOCK = 4096;

function mebibytes(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(bytes < 1024 ** 2 ? 2 : 1)} MiB`;
}

/** What is about to be written, and where. */
export interface SpacePlan {
  /** Sizes of the model files the bundle copies. */
  fileSizes: number[];
  freeBytes: number;
  fsType: string | null;
  target: string;
}

/** Bytes the bundle takes on disk: every file rounded up to a block, plus the small files. */
export function bundleBytesNeeded(fileSizes: number[]): number {
  return fileSizes.reduce((sum, size) => sum + Math.ceil(size / BLOCK) * BLOCK, 0) + BUNDLE_OVERHEAD_BYTES;
}

/** Refuses, before anything is written, an export that cannot fit or that FAT32 cannot store. */
export function checkExportFits(plan: SpacePlan): void {
  if (plan.fsType === 'vfat' || plan.fsType === 'msdos' || plan.fsType?.toLowerCase() === 'fat32') {
    const largest = Math.max(0, ...plan.fileSizes);
    if (largest > FAT32_MAX_FILE_BYTES) {
      throw new AirlockError('EXPORT_FILE_TOO_LARGE_FOR_FAT32', `${plan.target} is a FAT32 volume, which cannot hold a file over 4 GiB; this model has a ${mebibytes(largest)} file.`, {
        hint: 'Use a drive formatted as exFAT, NTFS or ext4, or reformat this one.',
      });
    }
  }
  const needed = bundleBytesNeeded(plan.fileSizes);
  if (needed > plan.freeBytes) {
    throw new AirlockError('EXPORT_NO_SPACE', `The bundle needs about ${mebibytes(needed)} but ${plan.target} has only ${mebibytes(plan.freeBytes)} free.`, {
      hint: 'Free some space on the drive or pick a larger one; nothing was written.',
    });
  }
}
