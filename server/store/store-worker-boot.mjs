// The store thread's entry point from source (tsx, vitest): plain JavaScript, because Node 20 loads
// a worker's first module before any --import loader is active. It registers the TypeScript loader
// (tsx), then loads the real worker. Built, the bundle `.build/store-worker.js` is loaded instead.
import { register } from 'tsx/esm/api';

register();
await import('./store-worker.ts');
