import type { Command } from 'commander';

/** Registers `compile`, `fmt` and `ast`. */
export function registerIecCommands(_program: Command): void {}
