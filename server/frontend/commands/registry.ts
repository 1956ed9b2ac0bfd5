// The command language's registry: each group of commands lives in its own module and registers
// here; other rooms (accounting) add theirs the same way. Keywords are matched in any case.
import type { Command } from './context.ts';

export type { Command, CommandContext } from './context.ts';

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
