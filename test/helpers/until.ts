// Waiting for a condition instead of sleeping a fixed time: a fixed sleep is too short on a loaded
// machine (a flaky failure) and too long on an idle one (a slow suite), and "nothing happened in
// 200 ms" proves nothing. Tests wait for the event that matters, with a deadline that only a real
// failure reaches.

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/** Polls `cond` (every `every` ms) until it returns a truthy value, which it returns; throws
 *  naming `what` if `ms` pass first. */
export async function until<T>(cond: () => T | Promise<T>, what: string, ms = 15_000, every = 10): Promise<Truthy<T>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await cond();
    if (v) return v as Truthy<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** Types `cmd` on a line (every 200 ms) until its reply satisfies `pred`, and returns that reply;
 *  throws with the last reply if `ms` pass first. */
export async function untilReply(t: { command(text: string): Promise<string> }, cmd: string, pred: (out: string) => boolean, ms = 30_000): Promise<string> {
  let last = '';
  try {
    return await until(async () => {
      last = await t.command(cmd);
      return pred(last) ? last : null;
    }, `${cmd} to answer as expected`, ms, 200);
  } catch (e) {
    throw new Error(`${(e as Error).message}; last:\n${last}`);
  }
}
