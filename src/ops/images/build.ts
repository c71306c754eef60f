import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { buildImage, importRootfs, recipeHashOf } from '../../drivers/docker/images.ts';
import { BASE_RECIPE, BASE_TAG, hashText, NOT_BUILT, recipes } from './recipes.ts';

export interface BuildReport {
  built: string[];
  unchanged: string[];
  skipped: { name: string; why: string }[];
}

export interface BuildOptions {
  only?: string[];
  cacheDir?: string;
  log?: (line: string) => void;
  /** How many images build at once; apt downloads dominate, so a little parallelism pays. */
  parallel?: number;
}

/**
 * Builds the `local` image set with no registry: a Debian base from debootstrap, imported through
 * the Engine API, then each recipe on it. An image whose recipe hash label matches is left alone.
 */
export async function buildLocalImages(docker: Docker, opts: BuildOptions = {}): Promise<BuildReport> {
  const log = opts.log ?? (() => {});
  const report: BuildReport = { built: [], unchanged: [], skipped: NOT_BUILT };
  const baseHash = hashText(BASE_RECIPE);
  if ((await recipeHashOf(docker, BASE_TAG)) !== baseHash) {
    const tar = baseTarball(opts.cacheDir ?? process.env.STAGECRAFT_CACHE ?? '/var/cache/stagecraft', log);
    log(`importing ${BASE_TAG}`);
    await importRootfs(docker, createReadStream(tar), BASE_TAG, baseHash);
    report.built.push(BASE_TAG);
  } else report.unchanged.push(BASE_TAG);

  const wanted = recipes().filter((r) => !opts.only || opts.only.includes(r.name));
  const unknown = (opts.only ?? []).filter((n) => !recipes().some((r) => r.name === n));
  if (unknown.length)
    throw new Error(
      `no image recipe named ${unknown.join(', ')}: choose from ${recipes()
        .map((r) => r.name)
        .join(', ')}`,
    );
  const queue = [...wanted];
  const worker = async () => {
    for (let r = queue.shift(); r; r = queue.shift()) {
      if ((await recipeHashOf(docker, r.tag)) === r.hash) {
        report.unchanged.push(r.tag);
        continue;
      }
      log(`building ${r.tag}`);
      const started = Date.now();
      await buildImage(docker, r.dir, r.files, r.tag, r.hash).catch((e: Error) => {
        throw new Error(`building ${r.tag} failed: ${e.message}`);
      });
      log(`built ${r.tag} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      report.built.push(r.tag);
    }
  };
  await Promise.all(Array.from({ length: opts.parallel ?? 3 }, worker));
  return report;
}

/** A trimmed Debian root filesystem as a tarball, made once with debootstrap and cached. */
function baseTarball(cacheDir: string, log: (line: string) => void): string {
  const tar = join(cacheDir, 'base-bookworm.tar');
  if (existsSync(tar)) return tar;
  if (!existsSync('/usr/sbin/debootstrap'))
    throw new Error('debootstrap is not installed: apt-get install debootstrap (scripts/setup.sh does)');
  mkdirSync(cacheDir, { recursive: true });
  const root = join(cacheDir, 'rootfs-build');
  rmSync(root, { recursive: true, force: true });
  log('debootstrap: making the Debian base (about a minute)');
  execFileSync('debootstrap', ['--variant=minbase', 'bookworm', root, mirror()], { stdio: 'ignore' });
  for (const junk of [
    'var/cache/apt/archives',
    'var/lib/apt/lists',
    'usr/share/doc',
    'usr/share/man',
    'usr/share/locale',
    'usr/share/info',
  ]) {
    rmSync(join(root, junk), { recursive: true, force: true });
    mkdirSync(join(root, junk), { recursive: true });
  }
  mkdirSync(join(root, 'var/cache/apt/archives/partial'), { recursive: true });
  execFileSync('tar', ['-C', root, '-cf', `${tar}.partial`, '.']);
  renameSync(`${tar}.partial`, tar);
  rmSync(root, { recursive: true, force: true });
  return tar;
}

/** The machine's own Debian mirror, so an offline server uses the one it can reach. */
function mirror(): string {
  try {
    const text = execFileSync(
      'sh',
      ['-c', 'cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null'],
      { encoding: 'utf8' },
    );
    const m = /(?:URIs:|deb)\s+(https?:\/\/\S+\/debian)\b(?!-security)/.exec(text);
    if (m) return m[1]!;
  } catch {}
  return 'http://deb.debian.org/debian';
}
