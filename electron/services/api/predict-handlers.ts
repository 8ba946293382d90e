import type { HandlerContext } from './handlers.ts';

/** Handlers for prediction calls (api-predict.ts): "try it" (labels, or a language model's streamed answer) and labelling whole files. */
export function registerPredictHandlers(context: HandlerContext): void {
  const { handle, services, notify } = context;
  const progress = (id: string) => (fraction: number | null, message: string) =>
    notify({ kind: 'progress', task: 'predict', id, fraction: fraction === null ? null : Math.min(1, Math.max(0, fraction)), message });

  handle('predict.generate', async (input) => ({
    answer: await services.predictions.generate(input.target, input.prompt, {
      maxNewTokens: input.maxNewTokens,
      temperature: input.temperature,
      onText: (text) => notify({ kind: 'generate', id: input.requestId, text }),
    }),
  }));
  handle('predict.text', async (input) => ({ predictions: await services.predictions.texts(input.target, input.texts) }));
  handle('predict.files', async (input) => ({ predictions: await services.predictions.files(input.target, input.files) }));
  handle('predict.folder', (input) => services.predictions.folder(input.target, input.path, input.out, progress(input.path)));
  handle('predict.inspect', async (input) => ({ file: await services.predictions.inspect(input.path, progress(input.path)) }));
  handle('predict.label', async (input) => ({
    result: await services.predictions.label(input.target, input.path, { jobId: input.jobId, column: input.column, onProgress: progress(input.jobId) }),
  }));
  handle('predict.cancel', (input) => ({ cancelled: services.predictions.cancel(input.jobId) }));
  handle('predict.save', (input) => services.predictions.save(input.jobId, input.folder, input.format));
  handle('predict.file', (input) => services.predictions.file(input.target, input.path, input.out, { column: input.column, onProgress: progress(input.path) }));
}
