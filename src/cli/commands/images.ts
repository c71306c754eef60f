import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { connectEngine } from '../../ops/engine-connection.ts';
import { buildLocalImages } from '../../ops/images/build.ts';
import { loadSpecFile } from '../../spec/index.ts';
import { OperationFailed } from '../errors.ts';
import type { Io } from '../io.ts';
import { displayPath, type GlobalOptions } from '../locations.ts';

export function registerImages(program: Command, io: Io): void {
  const images = program
    .command('images')
    .description('the local image set, built from Debian packages with no registry');
  images
    .command('build')
    .description(
      'build the local images (debootstrap base, then each recipe); unchanged recipes are not rebuilt',
    )
    .option('--only <names>', 'comma-separated recipe names, such as postgresql,demo-app')
    .action(async (options: { only?: string }) => {
      const globals = program.opts<GlobalOptions>();
      const specFile = resolve(io.cwd, globals.spec ?? 'staging.yaml');
      const host = existsSync(specFile)
        ? (loadSpecFile(specFile, io.env, displayPath(specFile, io.cwd)).spec?.server.host ?? 'local')
        : 'local';
      const docker = await connectEngine(host, io.env, ' (start dockerd, or see scripts/setup.sh)');
      const report = await buildLocalImages(docker, {
        ...(options.only ? { only: options.only.split(',').map((s) => s.trim()) } : {}),
        log: (line) => io.err(io.errStyle.dim(line)),
      }).catch((e: Error) => {
        throw new OperationFailed(e.message);
      });
      io.out(`${io.style.green('✓')} built ${report.built.length}, unchanged ${report.unchanged.length}`);
      for (const s of report.skipped)
        io.out(
          io.style.yellow(
            `  not in the local set: ${s.name} (${s.why}); with images: local it is left out of the stack`,
          ),
        );
    });
}
