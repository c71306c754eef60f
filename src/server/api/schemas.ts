import { z } from 'zod';

/**
 * The request bodies the API accepts: the same schemas validate requests and make the OpenAPI
 * document (openapi.ts), so the two cannot disagree.
 */

const IMAGE_REF = /^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}$/;
const BACKUP_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const deployBody = z.strictObject({
  images: z
    .record(
      z.string().regex(/^[a-z][a-z0-9-]{0,62}$/),
      z.string().regex(IMAGE_REF, { error: 'an image reference such as ghcr.io/org/app:tag' }),
    )
    .default({})
    .describe('service → image reference; the other services keep what the spec says'),
});

export const rollbackBody = z.strictObject({});

export const restoreBody = z.strictObject({
  from: z.string().regex(BACKUP_ID).describe('the id of the backup to restore (GET /projects/P/backups)'),
});

export const verifyRestoreBody = z.strictObject({
  from: z.string().regex(BACKUP_ID).optional().describe('the backup to prove; the newest when absent'),
});

/** The query of `GET /projects/P/logs`. */
export const logsQuery = z.strictObject({
  service: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,62}$/)
    .optional()
    .describe('only this service; every service of the project when absent'),
  follow: z
    .enum(['0', '1'])
    .default('0')
    .transform((v) => v === '1')
    .describe('1: keep the stream open and send new lines as they are written'),
  since: z.coerce
    .number()
    .int()
    .min(0)
    .max(7 * 86400)
    .default(900)
    .describe('seconds back from now to start at (default 900)'),
});

/** Largest request body the API reads; a deploy's images fit many times over. */
export const BODY_LIMIT_BYTES = 64 * 1024;
