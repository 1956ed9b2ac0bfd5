// The status line under the paper: where the line goes, whether it is up, for how long, how fast.

export interface StatusInfo {
  url: string;
  state: 'dialing' | 'online' | 'offline' | 'hungup' | 'closed';
  /** ms the line has been up (online) */
  connectedMs: number;
  /** ms until the next dial (offline) */
  redialMs: number;
  baud: number;
  /** rows scrolled back from the end of the paper */
  scrolledBack: number;
  /** Ctrl-] was typed */
  escape: boolean;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  return [hh, mm, ss].map((n) => String(n).padStart(2, '0')).join(':');
}

export function formatStatus(info: StatusInfo, width: number): string {
  const line = info.state === 'online'
    ? `ONLINE ${formatDuration(info.connectedMs)}`
    : info.state === 'dialing'
      ? 'OFFLINE dialing...'
      : info.state === 'offline'
        ? `OFFLINE redial in ${Math.max(1, Math.ceil(info.redialMs / 1000))}s`
        : info.state === 'hungup'
          ? 'OFFLINE hung up, any key dials'
          : 'OFFLINE';
  const speed = info.baud > 0 ? `${info.baud} BAUD` : 'UNPACED';
  const right = info.escape
    ? 'Ctrl-] q: quit, other key: back'
    : info.scrolledBack > 0
      ? `BACK ${info.scrolledBack} LINES (any key: end)`
      : 'Ctrl-] q: quit';
  // The hint on the right matters most when it changes, so the URL gives way first.
  const left = ` ${line}  ${speed}  ${info.url}`;
  const room = width - right.length - 3;
  if (room < 10) return left.slice(0, width).padEnd(width);
  const l = left.length > room ? left.slice(0, room - 3) + '...' : left;
  return `${l.padEnd(room)} | ${right}`.slice(0, width);
}
