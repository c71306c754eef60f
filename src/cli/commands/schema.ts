import type { Command } from 'commander';
import { z } from 'zod';
import { specSchema } from '../../spec/index.ts';
import type { Io } from '../io.ts';

export function jsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(specSchema, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://stagecraft.dev/schema/staging.json',
    title: 'stagecraft staging.yaml',
    description: 'One environment on one server: the shared stack and the projects (see spec.md).',
  };
}

export function registerSchema(program: Command, io: Io): void {
  program
    .command('schema')
    .description('print the JSON Schema of staging.yaml, for editor completion and checks')
    .action(() => io.out(JSON.stringify(jsonSchema(), null, 2)));
}
