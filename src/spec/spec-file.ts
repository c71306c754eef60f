import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readSync,
  type Stats,
  statSync,
} from 'node:fs';
import { type Diagnostic, diagnostic } from './diagnostic.ts';
import { LIMITS } from './limits.ts';

/**
 * Reads the spec file, or says what the path is instead: a directory, a pipe (which would block
 * a plain read forever), a link that loops, a file we may not read, one too large, or not UTF-8.
 * The file is opened non-blocking and checked again after opening, so nothing swapped in between
 * the check and the read can make it hang.
 */
export function readSpecFile(path: string, shown = path): { text: string } | { diagnostic: Diagnostic } {
  const refuse = (d: Diagnostic) => ({ diagnostic: { ...d, file: shown } });
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (e) {
    return refuse(statError(path, e));
  }
  const wrongKind = kindProblem(stats);
  if (wrongKind) return refuse(wrongKind);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    return refuse(statError(path, e));
  }
  try {
    const opened = fstatSync(fd);
    const changed = kindProblem(opened);
    if (changed) return refuse(changed);
    const buffer = Buffer.alloc(Math.min(opened.size, LIMITS.fileBytes) + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length === buffer.length) break;
    }
    if (length > LIMITS.fileBytes || opened.size > LIMITS.fileBytes) {
      return refuse(
        diagnostic('SC0106', [], { size: Math.max(opened.size, length), limit: LIMITS.fileBytes }),
      );
    }
    try {
      return { text: new TextDecoder('utf-8', { fatal: true }).decode(buffer.subarray(0, length)) };
    } catch {
      return refuse(diagnostic('SC0107', []));
    }
  } catch (e) {
    return refuse(statError(path, e));
  } finally {
    closeSync(fd);
  }
}

function kindProblem(stats: Stats): Diagnostic | undefined {
  if (stats.isFile()) {
    return stats.size > LIMITS.fileBytes
      ? diagnostic('SC0106', [], { size: stats.size, limit: LIMITS.fileBytes })
      : undefined;
  }
  if (stats.isDirectory()) return diagnostic('SC0102', []);
  const kind = stats.isFIFO()
    ? 'named pipe'
    : stats.isSocket()
      ? 'socket'
      : stats.isCharacterDevice() || stats.isBlockDevice()
        ? 'device'
        : 'special file';
  return diagnostic('SC0103', [], { kind });
}

function statError(path: string, e: unknown): Diagnostic {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ELOOP':
      return diagnostic('SC0105', [], { problem: 'loops (it leads back to itself)' });
    case 'ENOENT':
      return isLink(path)
        ? diagnostic('SC0105', [], { problem: 'leads to no file' })
        : diagnostic('SC0101', []);
    case 'ENOTDIR':
      return diagnostic('SC0101', []);
    case 'EACCES':
    case 'EPERM':
      return diagnostic('SC0104', [], { reason: 'permission denied' });
    default:
      return diagnostic('SC0104', [], { reason: code ?? String(e) });
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
