// Small formatting helpers for what the system types.

const pad2 = (n: number) => String(n).padStart(2, '0');

/** "2025-05-02 14:03:11 UTC" */
export function stamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} UTC`;
}

/** "1:02:03" (hours unbounded) */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 3600)}:${pad2(Math.floor(s / 60) % 60)}:${pad2(s % 60)}`;
}

/** Aligned columns; numbers (right) and text (left) by the `right` flags. */
export function table(head: string[], rows: (string | number)[][], right: boolean[] = []): string[] {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd());
}

/** Lines joined for the teletype, each ended with CR LF. */
export function crlf(lines: string[]): string {
  return lines.map((l) => l + '\r\n').join('');
}

/** Text with "\n" line ends as the teletype needs it ("\r\n"), the last line left open. */
export function teletypeLines(text: string): string {
  return text.split('\n').join('\r\n');
}
