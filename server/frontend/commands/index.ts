// The built-in command language. Other rooms register more commands on the same registry.
import { dialectCommands } from './dialect.ts';
import { jobCommands } from './jobs.ts';
import { operatorCommands } from './operator.ts';
import { programCommands } from './program.ts';
import { Registry } from './registry.ts';
import { systemCommands } from './system.ts';

export function builtinCommands(): Registry {
  const r = new Registry();
  for (const c of [...programCommands, ...dialectCommands, ...jobCommands, ...systemCommands, ...operatorCommands]) r.register(c);
  return r;
}
