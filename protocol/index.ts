// The shared vocabulary of browser, gateway and worker host. Imports nothing outside itself.
export * from './errors.ts';
export * from './languages.ts';
export * from './limits.ts';
export * from './messages.ts';
