import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';

/**
 * `.dockerignore` as the engine's own builder reads it (Go's filepath.Match patterns, `**`, `!`
 * exceptions, last match wins): @balena/dockerignore is a port of moby's matcher, and dockerode
 * filters the build context it tars with the same library, so the files hashed here are exactly
 * the files sent.
 */
type DockerIgnore = (opts?: { ignorecase?: boolean }) => {
  add(patterns: string): { createFilter(): (path: string) => boolean };
};
const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as DockerIgnore;

/** The files of a build context, relative and sorted, without those `.dockerignore` leaves out. */
export async function contextFiles(context: string, dockerfile: string): Promise<string[]> {
  const all: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() || entry.isSymbolicLink())
        all.push(relative(context, path).split(sep).join('/'));
    }
  };
  await walk(context);
  const ignore = await readFile(join(context, '.dockerignore'), 'utf8').catch(() => '');
  const keep = dockerignore({ ignorecase: false }).add(ignore).createFilter();
  // The builder needs the Dockerfile and reads .dockerignore itself, whatever the patterns say.
  const always = new Set([dockerfile, '.dockerignore']);
  return all.filter((f) => always.has(f) || keep(f)).sort();
}

/** A hash of what a build depends on: each file's path, mode and content, the Dockerfile's name and the build args. */
export async function contextHash(
  context: string,
  files: readonly string[],
  dockerfile: string,
  args: Readonly<Record<string, string>>,
): Promise<string> {
  const h = createHash('sha256');
  h.update(JSON.stringify({ dockerfile, args: Object.entries(args).sort(([a], [b]) => a.localeCompare(b)) }));
  for (const f of files) {
    const path = join(context, f);
    const mode = (await stat(path)).mode & 0o777;
    h.update(`\0${f}\0${mode.toString(8)}\0`);
    h.update(await readFile(path));
  }
  return h.digest('hex');
}
