// The shared vocabulary of browser, gateway and worker host. Imports nothing in the repo outside
// itself. The web UI imports the zod-free modules directly (frames.ts, languages.ts, messages.ts).
export * from './errors.ts';
export * from './languages.ts';
export * from './limits.ts';
export * from './messages.ts';
export * from './close-codes.ts';
export * from './program-files.ts';
export * from './client-frames.ts';
export * from './server-frames.ts';
export * from './frames.ts';
export * from './utf8.ts';
export * from './retry-hint.ts';
export * from './json-shape.ts';
export * from './ping-answers.ts';
export * from './render-budget.ts';
