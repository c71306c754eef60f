import type { Command } from 'commander';
import { certificatesDue, renewCertificates } from '../../ops/certificates/renew.ts';
import { serverDirFor } from '../../ops/locations.ts';
import { recordedAllocations } from '../../ops/recovered-allocations.ts';
import { rowsToRecorded } from '../../plan/index.ts';
import { loadOrExit } from '../context.ts';
import { OperationFailed } from '../errors.ts';
import type { Io } from '../io.ts';
import { displayPath, type GlobalOptions, specPath } from '../locations.ts';
import { planFromState, reportDiagnostics } from '../planning.ts';
import { openRunningEnvironment } from '../running-environment.ts';
import { openState } from '../state.ts';
import { table } from '../style.ts';

const DAY_MS = 24 * 3600 * 1000;

/** `certs`: the certificates the proxy serves (hosts, issuer, expiry); `certs renew`: issue or renew them through ACME. */
export function registerCerts(program: Command, io: Io): void {
  const certs = program
    .command('certs')
    .description(
      'each certificate the proxy serves: hosts, issuer, expiry; `certs renew` issues or renews through ACME',
    )
    .option('--json', 'print the certificates as JSON')
    .action(async (options: { json?: boolean }) => {
      const globals = program.opts<GlobalOptions>();
      const path = specPath(undefined, globals, io.cwd);
      const loaded = loadOrExit(path, io);
      const store = await openState(path, globals, io);
      const recorded = await recordedAllocations(store, serverDirFor(path, globals, io)).finally(() =>
        store.close(),
      );
      const { plan, diagnostics } = await planFromState(loaded, { recorded: rowsToRecorded(recorded.rows) });
      reportDiagnostics(diagnostics, io, displayPath(path, io.cwd));
      const spec = loaded.spec;
      const now = new Date();
      const listed = certificatesDue(spec, plan, serverDirFor(path, globals, io), now, false, true);
      if (options.json) {
        io.out(
          JSON.stringify(
            listed.map(({ certificate: c, reason }) => ({
              host: c.host,
              hosts: c.x509?.names ?? [],
              issuer: c.x509?.issuer ?? null,
              expiresAt: c.x509?.notAfter.toISOString() ?? null,
              selfSigned: c.x509?.selfSigned ?? null,
              due: reason ?? null,
            })),
            null,
            2,
          ),
        );
        return;
      }
      if (spec.shared.proxy.tls === 'none') {
        io.out('tls: none: the proxy serves plain HTTP, with no certificates');
        return;
      }
      if (!listed.length) {
        io.out('no host is served over TLS');
        return;
      }
      const rows = listed.map(({ certificate: c, reason }) => {
        if (!c.x509) return [c.host, '-', '-', '-', 'not installed (run stagecraft up)'];
        const days = Math.floor((c.x509.notAfter.getTime() - now.getTime()) / DAY_MS);
        const state =
          spec.shared.proxy.tls === 'letsencrypt'
            ? reason
              ? io.style.yellow(`due: ${reason}`)
              : io.style.green('ok')
            : 'self-signed (tls: selfsigned)';
        return [c.host, c.x509.issuer, c.x509.notAfter.toISOString().slice(0, 10), `${days}d`, state];
      });
      io.out(table([['HOST', 'ISSUER', 'EXPIRES', 'LEFT', 'STATE'], ...rows], new Set([3])));
    });

  certs
    .command('renew')
    .description(
      'issue (or renew) through ACME each tls: letsencrypt certificate within 30 days of expiry, or a stand-in',
    )
    .option('--force', 'renew every certificate, due or not')
    .action(async (options: { force?: boolean }) => {
      const globals = program.opts<GlobalOptions>();
      const env = await openRunningEnvironment(specPath(undefined, globals, io.cwd), globals, io);
      try {
        if (env.spec.shared.proxy.tls !== 'letsencrypt')
          throw new OperationFailed(
            `tls: ${env.spec.shared.proxy.tls}: there is nothing to renew through ACME (that is tls: letsencrypt)`,
          );
        const result = await renewCertificates({
          spec: env.spec,
          plan: env.plan,
          serverDir: env.serverDir,
          docker: env.docker,
          log: (line) => io.err(io.errStyle.dim(line)),
          force: options.force === true,
        });
        for (const c of result.renewed)
          io.out(
            `${io.style.green('✓')} ${c.host}: issued by ${c.x509?.issuer}, valid until ${c.x509?.notAfter.toISOString()}`,
          );
        if (!result.renewed.length && !result.failed.length)
          io.out('every certificate is valid for more than 30 days (--force renews them anyway)');
        if (result.failed.length)
          throw new OperationFailed(
            result.failed
              .map(
                (f) =>
                  `${f.host}: ${f.reason} (the proxy keeps serving ${f.standIn ? 'its self-signed stand-in' : 'the installed certificate'})`,
              )
              .join('\n'),
          );
      } finally {
        await env.close();
      }
    });
}
