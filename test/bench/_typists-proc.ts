// A process of typists for the echo benchmarks: its share of the terminals, typing at the common
// rate, timing each echo, reporting the samples to the parent over IPC. Spreading the terminals over
// several such processes keeps the client side from adding pauses of its own (one process's GC or
// timer lateness would show up as server tail). Started by typists-pool.ts; never run by hand.
//
// argv: URL N PREFIX MODE PERIOD_MS [FIRST]
//   MODE "login": each terminal registers and logs in through the real dialog (Timeshare);
//   MODE "town": the same, calling from 250 loopback addresses, four terminals each, as a town's
//     users would (the hostile bench: its attackers hold most handshakes one address may have);
//     FIRST is the place of this process's first terminal among all of them;
//   MODE "raw": each terminal only connects (the bare ws echo server, the floor).
import WebSocket from 'ws';
import { loginMany } from '../e2e/many.ts';
import type { Term } from '../frontend/client.ts';
import { Typists } from '../hostile/typists.ts';

/** Terminal g of the town calls from 127.0.2.1 ... (four a place, 250 places a thousand). */
const townAddress = (g: number) => `127.0.${2 + Math.floor(g / 1000)}.${1 + ((g >> 2) % 250)}`;

type Command = { t: 'go' } | { t: 'measure'; on: boolean } | { t: 'take' } | { t: 'stop' };

const [url, nText, prefix, mode, periodText, firstText] = process.argv.slice(2);
const n = Number(nText);

/** One raw connection, tried again (three times in all) if a loaded host resets it. */
async function dialRaw(): Promise<Term> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await new Promise<Term>((resolve, reject) => {
        const ws = new WebSocket(url!, { perMessageDeflate: false });
        ws.once('open', () => {
          ws.on('error', () => {});
          resolve({ ws } as unknown as Term);
        });
        ws.once('error', reject);
      });
    } catch (err) {
      if (attempt >= 3) throw err;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

async function connectRaw(count: number): Promise<Term[]> {
  // Typists only needs .ws of a Term; a raw connection has nothing else to say. 64 dial at once,
  // as loginMany does: 1,000 at once overflowed the listen backlog on a loaded host (ECONNRESET).
  const terms: Term[] = new Array(count);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(64, count) }, async () => {
    while (next < count) {
      const i = next++;
      terms[i] = await dialRaw();
    }
  }));
  return terms;
}

const first = Number(firstText ?? 0);
const terms = mode === 'raw' ? await connectRaw(n)
  : await loginMany(url!, n, prefix!, 64, mode === 'town' ? (i) => townAddress(first + i) : undefined);
const typists = new Typists(terms, Number(periodText));
process.on('message', (m: Command) => {
  if (m.t === 'go') typists.go();
  else if (m.t === 'measure') typists.measuring = m.on;
  else if (m.t === 'take') {
    const { sorted, stuck } = typists.take();
    process.send!({ t: 'samples', samples: Array.from(sorted), stuck });
  } else if (m.t === 'stop') {
    typists.stop();
    for (const t of terms) t.ws.close();
    setTimeout(() => process.exit(0), 200);
  }
});
process.send!({ t: 'ready' });
