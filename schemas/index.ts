export * from './errors.ts';
export * from './config.ts';
export * from './events.ts';
export * from './dataset.ts';
export * from './model.ts';
export * from './run.ts';
export * from './api.ts';
