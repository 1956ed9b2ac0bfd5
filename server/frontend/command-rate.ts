// How fast one line's commands are carried out. A person types a command in a few seconds; a
// script can send thousands a second, and every one of them (a SUBMIT refused at the job limit, a
// RUN, a LIST, a WHAT?) is work on the thread that also echoes everybody's typing. The hostile
// benchmark's SUBMIT loop had about 750 refusals a second answered there. So each line has a
// bucket of tokens: a command takes one, and when the bucket is empty the command waits for the
// next token. Nothing is refused or lost: the line's later input queues behind it, and the queue's
// own back-pressure (input.ts) stops reading the socket when it is long. Program lines (numbered)
// and empty lines are not commands and take no token, so a pasted program enters at full speed.

/** Commands a line may have carried out per second, on average (0 = no limit). */
export const DEFAULT_COMMANDS_PER_SECOND = 10;
/** A burst of this many seconds' worth is carried out at once (a pasted batch of commands). */
const BURST_SECONDS = 3;

export class CommandRate {
  private tokens: number;
  private at: number;
  private readonly burst: number;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.burst = Math.max(1, perSecond * BURST_SECONDS);
    this.tokens = this.burst;
    this.at = now();
  }

  /** Takes a token for a command: 0 if it may run now, else the milliseconds until it may (no
   *  token is taken then; call again after waiting). */
  take(): number {
    if (this.perSecond <= 0) return 0;
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.at) * this.perSecond) / 1000);
    this.at = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) * 1000) / this.perSecond);
  }
}
