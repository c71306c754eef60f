import type { Command } from 'commander';
import { connectEngine } from '../../ops/engine-connection.ts';
import type { MatrixRow } from '../../ops/isolation-probes.ts';
import { recordIsolationProbe } from '../../ops/isolation-record.ts';
import { serverDirFor } from '../../ops/locations.ts';
import { recordedAllocations } from '../../ops/recovered-allocations.ts';
import { verifyIsolation } from '../../ops/verify-isolation.ts';
import { rowsToRecorded } from '../../plan/index.ts';
import { InvalidInput, OperationFailed } from '../errors.ts';
import type { Io } from '../io.ts';
import { displayPath, type GlobalOptions, specPath } from '../locations.ts';
import { planFromState, reportDiagnostics } from '../planning.ts';
import { loadWithPreviews } from '../previews.ts';
import { openState } from '../state.ts';
import { table } from '../style.ts';
import { verifyKubernetesIsolation } from './verify-k8s.ts';

/** `verify isolation`: probe the networks from inside each project and compare with the isolation matrix. */
export function registerVerify(program: Command, io: Io): void {
  const verify = program.command('verify').description('check the running environment against the spec');

  verify
    .command('isolation')
    .description('probe the network from inside each project and compare with the isolation matrix')
    .option('--json', 'print every probe as JSON')
    .option(
      '--host-ports <ports>',
      'try only these host ports (comma-separated; default: every listening one)',
    )
    .option('--allow-host-port <ports>', 'host ports projects may reach (comma-separated), such as 22')
    .option('--concurrency <n>', 'probe containers at a time', '4')
    .option('--image <ref>', 'the probe image (needs bash and timeout)')
    .option(
      '--target <target>',
      'compose (probe the running containers) or k8s (evaluate the NetworkPolicies offline)',
      'compose',
    )
    .option(
      '--dir <dir>',
      'with --target k8s: a rendered tree to check (default: the spec rendered in memory)',
    )
    .action(
      async (options: {
        target: string;
        dir?: string;
        json?: boolean;
        hostPorts?: string;
        allowHostPort?: string;
        concurrency: string;
        image?: string;
      }) => {
        const globals = program.opts<GlobalOptions>();
        const path = specPath(undefined, globals, io.cwd);
        const loaded = await loadWithPreviews(path, io, globals);
        if (options.target === 'k8s') return verifyKubernetesIsolation(loaded.spec, options, io);
        if (options.target !== 'compose')
          throw new InvalidInput(`unknown target "${options.target}": use compose or k8s`);
        const spec = loaded.spec;
        const concurrency = Number(options.concurrency);
        if (!Number.isInteger(concurrency) || concurrency < 1)
          throw new InvalidInput(`--concurrency ${options.concurrency}: give a whole number of at least 1`);
        const hostPorts = options.hostPorts ? portList('--host-ports', options.hostPorts) : undefined;
        const allowHostPorts = options.allowHostPort
          ? portList('--allow-host-port', options.allowHostPort)
          : undefined;
        const store = await openState(path, globals, io);
        const recorded = await recordedAllocations(store, serverDirFor(path, globals, io)).catch(
          async (e) => {
            await store.close();
            throw e;
          },
        );
        const { plan, diagnostics } = await planFromState(loaded, {
          recorded: rowsToRecorded(recorded.rows),
        });
        reportDiagnostics(diagnostics, io, displayPath(path, io.cwd));

        const docker = await connectEngine(spec.server.host, io.env);
        // Ctrl-C stops starting probes; those running finish their connects (seconds) and remove themselves.
        const abort = new AbortController();
        const onSignal = () => {
          if (abort.signal.aborted) process.exit(130);
          io.err('interrupted: removing the probe containers (again to quit at once)');
          abort.abort();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        const report = await verifyIsolation(plan, {
          docker,
          concurrency,
          signal: abort.signal,
          ...(hostPorts ? { hostPorts } : {}),
          ...(allowHostPorts ? { allowHostPorts } : {}),
          ...(options.image ? { image: options.image } : {}),
          ...(options.json ? {} : { log: (line: string) => io.err(io.errStyle.dim(line)) }),
        })
          .catch((e: Error) => {
            throw new OperationFailed(
              abort.signal.aborted ? 'interrupted; the probes are removed' : `probing failed: ${e.message}`,
            );
          })
          .finally(async () => {
            process.off('SIGINT', onSignal);
            process.off('SIGTERM', onSignal);
          })
          .catch(async (e: Error) => {
            await store.close();
            throw e;
          });
        // The dashboard's "last probe": what was tried, and how it went.
        await recordIsolationProbe(store, report.rows, report.failures.length).finally(() => store.close());

        if (options.json) io.out(JSON.stringify(report.results, null, 2));
        else {
          io.out(matrixTable(report.rows, io));
          const unenforced = report.rows.filter((r) => r.verdict === 'unenforced');
          if (unenforced.length)
            io.out(
              io.style.yellow(
                `~ ${unenforced.length} pairs the matrix forbids are open on the network: an app whose metrics have a port of their own sits on the proxy's network and on Prometheus', so only their configuration keeps each to its port`,
              ),
            );
        }
        const tried = report.results.length;
        if (report.failures.length)
          throw new OperationFailed(
            `isolation does not hold (${report.failures.length} of ${tried} connects):\n${report.failures.join('\n')}`,
          );
        const message = `${io.style.green('✓')} isolation holds: ${tried} connects from ${new Set(report.results.map((r) => r.from)).size} positions in ${report.seconds.toFixed(1)} s`;
        if (options.json) io.err(message);
        else io.out(message);
      },
    );
}

function matrixTable(rows: readonly MatrixRow[], io: Io): string {
  const mark = (r: MatrixRow) =>
    r.verdict === 'ok'
      ? io.style.green('✓')
      : r.verdict === 'unenforced'
        ? io.style.yellow('~')
        : io.style.red('✗');
  const seen = (r: MatrixRow) =>
    r.reached === 0 ? 'blocked' : r.reached === r.tried ? 'reached' : `reached ${r.reached}/${r.tried}`;
  return table([
    ['', 'FROM', 'TO', 'PORT', 'EXPECTED', 'SEEN', 'WHY'],
    ...rows.map((r) => [mark(r), r.from, r.to, String(r.port), r.expected, seen(r), r.why]),
  ]);
}

function portList(flag: string, text: string): Set<number> {
  const ports = text.split(',').map((p) => Number(p.trim()));
  const bad = ports.find((p) => !Number.isInteger(p) || p < 1 || p > 65535);
  if (bad !== undefined)
    throw new InvalidInput(`${flag} ${text}: give ports from 1 to 65535, comma-separated`);
  return new Set(ports);
}
