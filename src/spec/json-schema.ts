import { z } from 'zod';
import { specSchema } from './schema.ts';

/** The JSON Schema of staging.yaml (as written, before defaults), for editor completion and checks. */
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
    description:
      'One environment on one server: the shared stack and the projects (see the README of stagecraft).',
  };
}
