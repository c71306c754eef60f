import type { Command } from 'commander';
import type { Io } from '../io.ts';
import { registerPreviewDown } from './preview-down.ts';
import { registerPreviewList } from './preview-list.ts';
import { registerPreviewUp } from './preview-up.ts';

/** `stagecraft preview up|list|down`: per-branch copies of a project (README, "Previews"). */
export function registerPreview(program: Command, io: Io): void {
  const group = program.command('preview').description('per-branch copies of a project: up, list, down');
  registerPreviewUp(group, program, io);
  registerPreviewList(group, program, io);
  registerPreviewDown(group, program, io);
}
