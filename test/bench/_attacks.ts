// The attacks of issue 12, for `npm run bench -- hostile` (they run in the hostile lines' own
// process, at low priority): a LIST flood from a line that stops reading, a SUBMIT storm, a core
// hog, 2,000 idle handshakes, and a password-guessing loop over 32 connections from 32 addresses.
// Each reports what it achieved; the guessing loop counts the verdicts it got on one account.
import { connect, type Socket } from 'node:net';
import { Term, login } from '../frontend/client.ts';

export interface AttackStats {
  /** password verdicts (right or wrong) the guessers got on the victim account */
  guesses: number;
  /** attempts refused outright (TOO MANY LOGIN ATTEMPTS) */
  guessesRefused: number;
  submitsAccepted: number;
  submitsRefused: number;
  /** raw sockets open right now, and how many the server closed */
  handshakesOpen: number;
  handshakesClosed: number;
  hogJobs: number;
  hogRefused: number;
  listsSent: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function startAttacks(url: string): { stats: AttackStats; stop(): void } {
  const stats: AttackStats = {
    guesses: 0, guessesRefused: 0, submitsAccepted: 0, submitsRefused: 0, handshakesOpen: 0, handshakesClosed: 0,
    hogJobs: 0, hogRefused: 0, listsSent: 0,
  };
  let stopped = false;
  const terms: Term[] = [];
  const sockets = new Set<Socket>();
  const port = Number(new URL(url).port);

  // 2,000 idle handshakes: 16 from each of 125 addresses (127.0.0.2 ...), redialled when closed
  const dial = (addr: string) => {
    if (stopped) return;
    const s = connect({ host: '127.0.0.1', port, localAddress: addr });
    s.on('error', () => {});
    s.on('connect', () => stats.handshakesOpen++);
    s.on('close', () => {
      if (s.remoteAddress !== undefined || s.connecting === false) stats.handshakesOpen = Math.max(0, stats.handshakesOpen - 1);
      stats.handshakesClosed++;
      sockets.delete(s);
      if (!stopped) setTimeout(() => dial(addr), 1000);
    });
    sockets.add(s);
  };
  for (let a = 0; a < 125; a++) for (let i = 0; i < 16; i++) dial(`127.0.0.${a + 2}`);

  void (async () => {
    // the victim account the guessers try, and the attackers' own accounts
    const victim = await login(url, 'victim', 'correct horse');
    victim.close();

    // a guessing loop over 32 connections from 32 addresses at the one account
    for (let g = 0; g < 32; g++) {
      void (async () => {
        while (!stopped) {
          let t: Term;
          try {
            t = await Term.open(url, `127.0.1.${g + 2}`);
          } catch {
            await sleep(500);
            continue;
          }
          terms.push(t);
          try {
            while (!stopped && !t.closed) {
              await t.expect('USER NAME--', 60_000);
              t.line('victim');
              await t.expect('PASSWORD--', 60_000);
              t.line(`guess${Math.random().toString(36).slice(2, 8)}`);
              const r = await t.expect(/INCORRECT USER NAME OR PASSWORD\.|TOO MANY LOGIN ATTEMPTS|WELCOME|LAST LOGIN/, 60_000);
              if (/TOO MANY/.test(r)) stats.guessesRefused++;
              else stats.guesses++;
            }
          } catch {
            // hung up (three failures): dial again
          }
          t.close();
        }
      })().catch(() => {});
    }

    // a SUBMIT storm: one user submits a sleeping program as fast as the line answers
    void (async () => {
      const t = await login(url, 'storm', 'stormpass');
      terms.push(t);
      await t.command('NEW NAP.S');
      t.line('10 start: LI r1, 60000');
      t.line('20 SVC SLEEP');
      t.line('30 JMP start');
      await t.command('SAVE');
      while (!stopped && !t.closed) {
        const r = await t.command('SUBMIT NAP.S', 60_000).catch(() => '');
        if (/SUBMITTED/.test(r)) stats.submitsAccepted++;
        else stats.submitsRefused++;
      }
    })().catch((err) => process.stderr.write(`SUBMIT storm: ${(err as Error).message}\n`));

    // a core hog: a 1M-word program that sleeps, submitted four times by each of four users
    for (let u = 0; u < 4; u++) {
      void (async () => {
        const t = await login(url, `hog${u}`, 'hogpass1');
        terms.push(t);
        await t.command('NEW HOG.S');
        t.line('10 start: LI r1, 60000');
        t.line('20 SVC SLEEP');
        t.line('30 JMP start');
        t.line('40 pad: .space 1040000');
        await t.command('SAVE');
        for (let i = 0; i < 4 && !stopped; i++) {
          const r = await t.command('SUBMIT HOG.S', 60_000).catch(() => '');
          if (/SUBMITTED/.test(r)) stats.hogJobs++;
          else stats.hogRefused++;
        }
      })().catch((err) => process.stderr.write(`core hog: ${(err as Error).message}\n`));
    }

    // a LIST flood: a 10,000-line program, then a 64 KiB frame of LISTs to a line that stops reading
    void (async () => {
      const t = await login(url, 'lister', 'listpass');
      terms.push(t);
      await t.command('NEW BIGLIST');
      let frame = '';
      for (let i = 1; i <= 10_000; i++) {
        const l = `${i} PRINT "THE QUICK BROWN FOX ${i}"\r`;
        if (frame.length + l.length > 32_000) {
          t.send(frame);
          frame = '';
        }
        frame += l;
      }
      t.send(frame);
      await t.expect('10000 PRINT', 120_000);
      (t.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      const lists = 'LIST\r'.repeat(Math.floor(65_000 / 5));
      t.send(lists);
      stats.listsSent += 13_000;
    })().catch((err) => process.stderr.write(`LIST flood: ${(err as Error).message}\n`));
  })().catch((err) => process.stderr.write(`attacks: ${(err as Error).message}\n`));

  return {
    stats,
    stop() {
      stopped = true;
      for (const t of terms) t.close();
      for (const s of sockets) s.destroy();
    },
  };
}
