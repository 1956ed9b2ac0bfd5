// The front end's handle on the mainframe thread. Messages are batched both ways: post() queues and
// sends everything posted in one turn of the event loop as one array; the worker's arrays are
// unpacked and handed to the handlers one message at a time.
import { Worker } from 'node:worker_threads';
import type { FromMainframe, ToMainframe } from './protocol.ts';
import { type MonitorConfig, makeConfig } from './config.ts';
import { log } from './log.ts';

export type MainframeOptions = Partial<MonitorConfig>;

const CLOSE_WAIT_MS = 2000;

/** Set by the build (server/build.mjs) to the bundled worker, relative to this source file. */
declare const __TIMESHARE_WORKER__: string | undefined;

/**
 * The mainframe thread's first module. Built, it is the worker's own bundle (plain JavaScript, no
 * loader to start); from source (tsx, vitest), worker-boot.mjs installs the TypeScript loader in
 * the new thread first, because a worker does not inherit the loader of the thread that made it.
 */
function workerUrl(): URL {
  return typeof __TIMESHARE_WORKER__ === 'string'
    ? new URL(__TIMESHARE_WORKER__, import.meta.url)
    : new URL('./worker-boot.mjs', import.meta.url);
}

export class Mainframe {
  private outbox: ToMainframe[] = [];
  private flushQueued = false;
  private handlers: ((msg: FromMainframe) => void)[] = [];
  private closed = false;
  private downSeen = false;
  private onDown: (() => void) | null = null;

  private constructor(private readonly worker: Worker) {}

  /** Starts the mainframe thread; resolves when it is ready for jobs. Throws on bad settings. */
  static async start(opts: MainframeOptions = {}): Promise<Mainframe> {
    makeConfig(opts); // a bad setting is reported here, in the caller's terms
    const worker = new Worker(workerUrl(), { workerData: { config: opts } });
    const mf = new Mainframe(worker);
    return new Promise((resolve, reject) => {
      const early = (e: unknown): void => reject(e instanceof Error ? e : new Error(`mainframe exited (${String(e)})`));
      worker.once('error', early);
      worker.once('exit', early);
      worker.once('message', (first: { t: string }[]) => {
        worker.off('error', early);
        worker.off('exit', early);
        if (first[0]?.t !== 'ready') return reject(new Error('mainframe: unexpected first message'));
        worker.on('message', (batch: FromMainframe[]) => mf.deliver(batch));
        worker.on('error', (e) => {
          log.error({ err: e }, 'mainframe thread failed');
          mf.deliver([{ t: 'down' }]);
        });
        worker.on('exit', () => {
          if (!mf.downSeen) mf.deliver([{ t: 'down' }]);
        });
        resolve(mf);
      });
    });
  }

  post(msg: ToMainframe): void {
    if (this.closed) return;
    this.outbox.push(msg);
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => this.flush());
    }
  }

  onMessage(handler: (msg: FromMainframe) => void): void {
    this.handlers.push(handler);
  }

  /** Kills every job (their 'end' messages arrive first), then stops the thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (!this.downSeen) {
      const down = new Promise<void>((resolve) => {
        this.onDown = resolve;
        setTimeout(resolve, CLOSE_WAIT_MS).unref();
      });
      this.worker.postMessage([{ t: 'shutdown' }]);
      await down;
    }
    await this.worker.terminate();
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.outbox.length === 0 || this.closed) return;
    this.worker.postMessage(this.outbox);
    this.outbox = [];
  }

  private deliver(batch: FromMainframe[]): void {
    for (const msg of batch) {
      if (msg.t === 'down') {
        if (this.downSeen) continue;
        this.downSeen = true;
        this.onDown?.();
      }
      for (const h of this.handlers) {
        try {
          h(msg);
        } catch (e) {
          log.error({ err: e, msg: msg.t }, 'mainframe message handler failed');
        }
      }
    }
  }
}
