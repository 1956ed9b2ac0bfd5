// Web sessions: a random token in an HttpOnly, SameSite=Strict cookie, mapped to a user name in
// memory. Kept in memory on purpose: a web session only grants reading one's bill (and, for an
// operator, the console of THIS server), so losing them at a restart costs a login, while storing
// them would put bearer tokens on disk. With several servers over one PostgreSQL each server has
// its own web sessions, like its own lines. Only a hash of the token is kept, so a heap dump does
// not hand out live sessions.
import { createHash, randomBytes } from 'node:crypto';

export const COOKIE = 'timeshare_session';
/** A session unused this long is over. */
export const IDLE_MS = 8 * 3600_000;
/** ... and none lives longer than this. */
export const MAX_AGE_MS = 7 * 24 * 3600_000;
const PER_USER = 20;
const MAX_SESSIONS = 20_000;

export interface WebSession {
  user: string;
  createdAt: number;
  lastSeen: number;
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export class WebSessions {
  private byHash = new Map<string, WebSession>();

  constructor(private now: () => number = Date.now) {}

  /** Starts a session for `user`; returns the token for the cookie. */
  create(user: string): string {
    const token = randomBytes(32).toString('base64url');
    const at = this.now();
    this.prune(at);
    // a user's oldest sessions go first when they pile up (a script logging in in a loop)
    const mine = [...this.byHash].filter(([, s]) => s.user === user).sort((a, b) => a[1].lastSeen - b[1].lastSeen);
    for (const [h] of mine.slice(0, Math.max(0, mine.length - PER_USER + 1))) this.byHash.delete(h);
    if (this.byHash.size >= MAX_SESSIONS) {
      const oldest = [...this.byHash].sort((a, b) => a[1].lastSeen - b[1].lastSeen).slice(0, MAX_SESSIONS >> 2);
      for (const [h] of oldest) this.byHash.delete(h);
    }
    this.byHash.set(digest(token), { user, createdAt: at, lastSeen: at });
    return token;
  }

  /** The live session for a cookie token, or null. */
  get(token: string | undefined): WebSession | null {
    if (!token || token.length > 100) return null;
    const h = digest(token);
    const s = this.byHash.get(h);
    if (!s) return null;
    const at = this.now();
    if (at - s.lastSeen > IDLE_MS || at - s.createdAt > MAX_AGE_MS) {
      this.byHash.delete(h);
      return null;
    }
    s.lastSeen = at;
    return s;
  }

  end(token: string | undefined): void {
    if (token) this.byHash.delete(digest(token));
  }

  get size(): number {
    return this.byHash.size;
  }

  private prune(at: number): void {
    for (const [h, s] of this.byHash) if (at - s.lastSeen > IDLE_MS || at - s.createdAt > MAX_AGE_MS) this.byHash.delete(h);
  }
}

export function sessionCookie(token: string, secure: boolean): string {
  return `${COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

export function clearCookie(secure: boolean): string {
  return `${COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}
