// Prints the opcode and supervisor-call tables of the reference card (README.md) from isa.ts and
// services.ts: `node --import tsx server/machine/tools/card-tables.ts`. Paste the output into the
// card when the tables change; a test checks that the card agrees with them.
import { Fmt, OPS } from '../isa.ts';
import { SERVICES } from '../services.ts';

const FORM: Record<number, string> = {
  [Fmt.None]: '', [Fmt.RI]: 'ra, imm', [Fmt.RR]: 'ra, rb', [Fmt.RRX]: 'ra, rb, X',
  [Fmt.Mem]: 'ra, addr', [Fmt.FMem]: 'fa, addr', [Fmt.FF]: 'fa, fb', [Fmt.FFF]: 'fa, fb, fc',
  [Fmt.FR]: 'fa, rb', [Fmt.RF]: 'ra, fb', [Fmt.BrR]: 'ra, rb, target', [Fmt.BrF]: 'fa, fb, target',
  [Fmt.Jump]: 'target', [Fmt.R]: 'ra', [Fmt.F]: 'fa', [Fmt.Imm]: 'n',
};

export function opcodeTable(): string {
  const rows = ['| Opcode | Instruction | Cycles | Effect |', '|---|---|---|---|'];
  for (const o of OPS) {
    const hex = `0x${o.code.toString(16).padStart(2, '0')}`;
    rows.push(`| ${hex} | \`${`${o.name} ${FORM[o.fmt]}`.trim()}\` | ${o.cycles} | ${o.effect.replace(/\|/g, '\\|')} |`);
  }
  return rows.join('\n');
}

export function serviceTable(): string {
  const rows = ['| No. | Name | Cycles | Arguments | Result |', '|---|---|---|---|---|'];
  for (const s of SERVICES) {
    const cyc = s.perWord ? `${s.base} + ${s.perWord}/word` : `${s.base}`;
    rows.push(`| ${s.number} | ${s.name} | ${cyc} | ${s.args || '-'} | ${s.result} |`);
  }
  return rows.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${opcodeTable()}\n\n${serviceTable()}\n`);
}
