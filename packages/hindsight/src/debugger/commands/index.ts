import { DebugError, type Outcome } from '../types.js';
import { breakpointCommands, breakpointTopics } from './breakpoints.js';
import { historyTopics } from './history.js';
import { divergenceTopics } from './divergence.js';
import { navigationCommands } from './navigation.js';
import { sourceCommands } from './source.js';
import { valueCommands, valueTopics } from './values.js';
import { watchCommands } from './watch.js';
import { logCommands } from './log.js';
import { originCommands } from './origin.js';
import type { CommandSpec, InfoTopic } from './spec.js';
import { threadCommands, threadTopics } from './threads.js';
import { whatIfCommands, whatIfTopics } from './whatif.js';

export type { CommandSpec, InfoTopic } from './spec.js';

/** `info <topic>`: each part of the debugger adds its topics here. */
const TOPICS: readonly InfoTopic[] = [...breakpointTopics, ...valueTopics, ...historyTopics, ...threadTopics, ...divergenceTopics, ...whatIfTopics];

const info: CommandSpec = {
  name: 'info',
  aliases: ['i'],
  usage: `info <${TOPICS.map((t) => t.names[0]).join(' | ')}>`,
  help: TOPICS.map((t) => `${t.names[0]}: ${t.help}`).join('; '),
  trace: true,
  run: (s, args): Outcome | Promise<Outcome> => {
    const topic = TOPICS.find((t) => t.names.includes(args));
    if (!topic) throw new DebugError('HS_E_DEBUG_USAGE', `info knows ${TOPICS.map((t) => `\`info ${t.names[0]}\``).join(', ')}; got 'info ${args}'`);
    return topic.run(s);
  },
};

export const COMMANDS: readonly CommandSpec[] = [
  ...navigationCommands,
  ...breakpointCommands,
  info,
  ...sourceCommands,
  ...valueCommands,
  ...watchCommands,
  ...logCommands,
  ...originCommands,
  ...whatIfCommands,
  ...threadCommands,
  {
    name: 'help',
    aliases: ['h'],
    usage: 'help',
    help: 'this list',
    trace: false,
    run: () => ({ result: { kind: 'help', commands: COMMANDS.map(({ name, aliases, usage, help }) => ({ name, aliases: [...aliases], usage, help })) } }),
  },
  { name: 'quit', aliases: ['q'], usage: 'quit', help: 'end the session', trace: false, run: () => ({ result: { kind: 'quit' } }) },
];

const BY_NAME = new Map<string, CommandSpec>();
for (const c of COMMANDS) for (const n of [c.name, ...c.aliases]) BY_NAME.set(n, c);

export function findCommand(word: string): CommandSpec | undefined {
  return BY_NAME.get(word);
}

/** Every command name and alias, for tab completion. */
export const COMMAND_NAMES: readonly string[] = [...BY_NAME.keys()].sort();
