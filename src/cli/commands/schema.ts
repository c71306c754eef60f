import type { Command } from 'commander';
import { jsonSchema } from '../../spec/json-schema.ts';
import type { Io } from '../io.ts';

export function registerSchema(program: Command, io: Io): void {
  program
    .command('schema')
    .description('print the JSON Schema of staging.yaml, for editor completion and checks')
    .action(() => io.out(JSON.stringify(jsonSchema(), null, 2)));
}
