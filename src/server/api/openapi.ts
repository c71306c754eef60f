import { z } from 'zod';
import { LOGS_ROLE, PROJECT_READS, READ_ROLE, WRITE_ROUTES } from './routes.ts';
import { logsQuery } from './schemas.ts';

const bearer = [{ bearer: [] }];
const answers = (ok: string) => ({
  200: { description: ok },
  401: { description: 'no token, or not a valid one' },
  403: { description: 'the user has no role, or too low a role, on the project' },
});

/** The OpenAPI 3.1 document of the API, its request bodies from the zod schemas that validate them. */
export function openApiDocument() {
  const paths: Record<string, unknown> = {
    '/api/v1/projects': {
      get: { summary: 'the projects the user has a role on', security: bearer, responses: answers('a list') },
    },
    '/api/v1/events': {
      get: {
        summary:
          'Server-Sent Events recorded in the store (deploys, backups, jobs) on the projects the user may view',
        security: bearer,
        responses: answers('text/event-stream; opens with a comment before any event'),
      },
    },
    '/api/v1/server': {
      get: {
        summary:
          'the server: the shared stack’s health and reservation, the budget (projects the user may view by name, the others summed) and the monthly cost',
        security: bearer,
        responses: answers('{ environment, user, shared, budget, cost }'),
      },
    },
    '/api/v1/isolation': {
      get: {
        summary: 'the planned isolation matrix (who may reach what) from the projects the user may view',
        security: bearer,
        responses: answers('a list of { from, to, allowed, port?, why }'),
      },
    },
    '/api/v1/isolation/probe': {
      get: {
        summary:
          'the last `verify isolation` run: when, whether isolation held, and each pair it tried (from, to, port, expected, reached of tried, verdict) between the shared stack and the projects the user may view',
        security: bearer,
        responses: answers('{ at, holds, rows } or null before any run'),
      },
    },
    '/api/v1/openapi.json': {
      get: { summary: 'this document', security: bearer, responses: answers('OpenAPI') },
    },
  };
  const project = { name: 'project', in: 'path', required: true, schema: { type: 'string' } };
  for (const route of PROJECT_READS)
    paths[`/api/v1/projects/{project}${route}`] = {
      get: {
        summary: `${route ? route.slice(1) : 'the project: services, health, routes, ports, releases, backups, budget and cost'} (role ${READ_ROLE[route]})`,
        parameters: [project],
        security: bearer,
        responses: answers('JSON; from the store even when the engine is down'),
      },
    };
  const query = z.toJSONSchema(logsQuery, { io: 'input' }) as {
    properties: Record<string, { description?: string }>;
  };
  paths['/api/v1/projects/{project}/logs'] = {
    get: {
      summary: `the containers' log lines, secret values replaced by [secret] (role ${LOGS_ROLE})`,
      parameters: [
        project,
        ...Object.entries(query.properties).map(([name, schema]) => ({
          name,
          in: 'query',
          required: false,
          ...(schema.description ? { description: schema.description } : {}),
          schema,
        })),
      ],
      security: bearer,
      responses: {
        ...answers(
          'text/event-stream; opens with a comment, then `line` events { container, line }, then `end` (or `error`)',
        ),
        400: { description: 'the query does not match, or the project has no such service' },
      },
    },
  };
  for (const w of WRITE_ROUTES)
    paths[`/api/v1/projects/{project}/${w.action}`] = {
      post: {
        summary: `${w.action} (role ${w.role})`,
        parameters: [project],
        security: bearer,
        requestBody: {
          required: false,
          content: { 'application/json': { schema: z.toJSONSchema(w.body, { io: 'input' }) } },
        },
        responses: { ...answers('the operation’s result'), 400: { description: 'the body does not match' } },
      },
    };
  return {
    openapi: '3.1.0',
    info: { title: 'stagecraft control plane', version: '1' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  };
}
