import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Bytes of a valid safetensors file holding zero-filled float32 tensors of the given shapes. */
export function safetensorsBytes(tensors: Record<string, number[]>): Buffer {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, shape] of Object.entries(tensors)) {
    const size = shape.reduce((product, dimension) => product * dimension, 1) * 4;
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  const headerBytes = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(headerBytes.length));
  return Buffer.concat([length, headerBytes, Buffer.alloc(offset)]);
}

/** A minimal Hugging Face-shaped model folder (not loadable by transformers; enough for cache tests). */
export function writeModelFolder(folder: string, options: { pickle?: boolean; head?: boolean; config?: boolean } = {}): string {
  mkdirSync(folder, { recursive: true });
  if (options.config !== false) {
    writeFileSync(
      join(folder, 'config.json'),
      JSON.stringify({
        architectures: [options.head ? 'BertForSequenceClassification' : 'BertModel'],
        model_type: 'bert',
        hidden_size: 8,
        max_position_embeddings: 64,
        id2label: { 0: 'neg', 1: 'pos' },
      }),
    );
  }
  writeFileSync(join(folder, 'vocab.txt'), '[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n');
  if (options.pickle) writeFileSync(join(folder, 'pytorch_model.bin'), Buffer.from('not really a pickle'));
  else writeFileSync(join(folder, 'model.safetensors'), safetensorsBytes({ 'embeddings.weight': [5, 8], 'pooler.bias': [8] }));
  return folder;
}
