import type { Command } from './container.ts';

/** A command's words: a line splits at spaces, and quotes (single or double) keep a word together. */
export function commandWords(command: Command): string[] {
  if (typeof command !== 'string') return [...command];
  return (command.match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((w) => w.replace(/^["']|["']$/g, ''));
}
