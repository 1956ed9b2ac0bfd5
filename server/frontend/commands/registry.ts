// The command language's registry: each group of commands lives in its own module and registers
// here; other rooms (accounting) add theirs the same way. Keywords are matched in any case.
import type { Session } from '../session.ts';
import type { System } from '../system.ts';

export interface CommandContext {
  readonly session: Session;
  readonly sys: System;
  /** everything after the keyword, trimmed */
  readonly args: string;
  readonly keyword: string;
}

export interface Command {
  /** the keyword, upper case */
  readonly name: string;
  readonly aliases?: readonly string[];
  /** e.g. "LIST [FROM[-TO]]" */
  readonly usage: string;
  /** one line for HELP */
  readonly help: string;
  /** only operators may use it (and only they see it in HELP) */
  readonly operator?: boolean;
  /**
   * Runs the command. The session types READY. afterwards unless the command started a job or
   * hung up the line.
   */
  run(ctx: CommandContext): Promise<void> | void;
}

export class Registry {
  private byName = new Map<string, Command>();
  private order: Command[] = [];

  register(cmd: Command): void {
    for (const k of [cmd.name, ...(cmd.aliases ?? [])]) {
      if (this.byName.has(k)) throw new Error(`command ${k} registered twice`);
    }
    for (const k of [cmd.name, ...(cmd.aliases ?? [])]) this.byName.set(k, cmd);
    this.order.push(cmd);
  }

  find(keyword: string): Command | undefined {
    return this.byName.get(keyword.toUpperCase());
  }

  /** Commands in registration order, operators' last, for HELP. */
  list(operator: boolean): Command[] {
    return [...this.order.filter((c) => !c.operator), ...(operator ? this.order.filter((c) => c.operator) : [])];
  }
}
