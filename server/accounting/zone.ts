// Local time in the site's time zone (an IANA name, default UTC), for three things only: the
// calendar day a charge belongs to, prime/off-prime hours, and rate effective dates.
// Offsets are looked up through Intl once per 15-minute bucket (every real zone offset and
// transition is a multiple of 15 minutes) and cached, so metering 2,000 charges a second stays cheap.

export interface LocalTime {
  /** 'YYYY-MM-DD' */
  day: string;
  /** 0-23 */
  hour: number;
  /** 0 = Sunday ... 6 = Saturday */
  weekday: number;
}

const BUCKET_MS = 15 * 60_000;

export class Zone {
  readonly name: string;
  private readonly fmt: Intl.DateTimeFormat | null;
  private readonly offsets = new Map<number, number>();

  constructor(name = 'UTC') {
    this.name = name;
    let fmt: Intl.DateTimeFormat;
    try {
      fmt = new Intl.DateTimeFormat('en-US', {
        timeZone: name,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new RangeError(`unknown time zone "${name}" (use an IANA name such as UTC or America/New_York)`);
    }
    this.fmt = name === 'UTC' || name === 'Etc/UTC' ? null : fmt;
  }

  /** Milliseconds to add to a UTC instant to get the wall-clock reading in this zone. */
  offsetAt(ms: number): number {
    if (!this.fmt) return 0;
    const bucket = Math.floor(ms / BUCKET_MS);
    let off = this.offsets.get(bucket);
    if (off === undefined) {
      const at = bucket * BUCKET_MS;
      const p: Record<string, number> = {};
      for (const part of this.fmt.formatToParts(new Date(at))) if (part.type !== 'literal') p[part.type] = Number(part.value);
      off = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - at;
      if (this.offsets.size > 10_000) this.offsets.clear();
      this.offsets.set(bucket, off);
    }
    return off;
  }

  /** The wall clock of `ms` in this zone, as a Date whose UTC fields read the local time. */
  wall(ms: number): Date {
    return new Date(ms + this.offsetAt(ms));
  }

  local(ms: number): LocalTime {
    const d = this.wall(ms);
    return { day: d.toISOString().slice(0, 10), hour: d.getUTCHours(), weekday: d.getUTCDay() };
  }

  private dayMs = NaN;
  private dayText = '';

  day(ms: number): string {
    if (ms !== this.dayMs) {
      this.dayMs = ms;
      this.dayText = this.wall(ms).toISOString().slice(0, 10);
    }
    return this.dayText;
  }

  /** The UTC instant of local midnight starting `day` ('YYYY-MM-DD'). */
  midnight(day: string): number {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
    if (!m) throw new RangeError(`not a date: "${day}" (use YYYY-MM-DD)`);
    const naive = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    if (Number.isNaN(naive) || new Date(naive).toISOString().slice(0, 10) !== day) throw new RangeError(`not a date: "${day}"`);
    // Two rounds settle the offset even when midnight is near a daylight-saving change.
    let t = naive - this.offsetAt(naive);
    t = naive - this.offsetAt(t);
    return t;
  }
}

/** 'YYYY-MM' of a 'YYYY-MM-DD' day. */
export function monthOf(day: string): string {
  return day.slice(0, 7);
}

/** Validates 'YYYY-MM'; returns the first and last day strings of that month. */
export function monthRange(month: string): { first: string; last: string } {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  const mo = m ? Number(m[2]) : 0;
  if (!m || mo < 1 || mo > 12) throw new RangeError(`not a month: "${month}" (use YYYY-MM)`);
  const days = new Date(Date.UTC(Number(m[1]), mo, 0)).getUTCDate();
  return { first: `${month}-01`, last: `${month}-${String(days).padStart(2, '0')}` };
}
