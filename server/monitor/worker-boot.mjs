// The mainframe thread's entry point: plain JavaScript, because Node 20 loads a worker's first
// module before any --import loader is active. It registers the TypeScript loader (tsx), then
// loads the real worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
