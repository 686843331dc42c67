import type { Command } from 'commander';

/** Each command file exports one function that adds its command to the program. */
export type RegisterCommand = (program: Command) => void;

/**
 * The command files, loaded only when their command runs (each pulls in its part of hindsight:
 * loading them all took about 200 ms of every command line, `hindsight record` included).
 */
const loaders: Record<string, () => Promise<{ register: RegisterCommand }>> = {
  worker: () => import('./worker.js'),
  dev: () => import('./dev.js'),
  workflow: () => import('./workflow/index.js'),
  replay: () => import('./replay.js'),
  demo: () => import('./demo/index.js'),
  debug: () => import('./debug/index.js'),
  record: () => import('./record.js'),
  trace: () => import('./trace/index.js'),
  dap: () => import('./dap.js'),
};

/**
 * The commands this command line needs: the one it names, none for the version, or all of them
 * (help, a misspelt name). `program` holds the global options: the value of one that takes a
 * value is not the command's name.
 */
export async function commandsFor(program: Command, argv: readonly string[]): Promise<RegisterCommand[]> {
  const withValue = new Set(program.options.filter((o) => o.required || o.optional).flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined)));
  const name = commandName(argv, withValue);
  if (name === undefined && (argv.includes('--version') || argv.includes('-V'))) return [];
  const chosen = name !== undefined && Object.hasOwn(loaders, name) ? [loaders[name]!] : Object.values(loaders);
  return (await Promise.all(chosen.map((load) => load()))).map((m) => m.register);
}

/** The first word after the program that is neither an option nor a global option's value. */
function commandName(argv: readonly string[], withValue: ReadonlySet<string>): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    const word = argv[i]!;
    if (withValue.has(word)) i++;
    else if (!word.startsWith('-')) return word;
  }
  return undefined;
}
