/** Rewrites the README's tables of diagnostic codes and limits from src/spec (codes.ts, limits.ts). */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readmeWithTables } from '../src/spec/reference.ts';

const path = join(import.meta.dirname, '..', 'README.md');
writeFileSync(path, readmeWithTables(readFileSync(path, 'utf8')));
