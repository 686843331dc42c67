import type { Command } from 'commander';

/** Each command file exports one function that adds its command(s) to the program. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [];
