import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createToken } from '../../ops/tokens.ts';
import { loadSpecText, userName } from '../../spec/index.ts';
import { InvalidInput } from '../errors.ts';
import type { Io } from '../io.ts';
import { displayPath, type GlobalOptions, specPath } from '../locations.ts';
import { openState } from '../state.ts';
import { table } from '../style.ts';

export function registerTokens(program: Command, io: Io): void {
  const tokens = program
    .command('tokens')
    .description(
      "API tokens for the control plane (printed once, stored hashed); a user's roles come from teams: and access",
    );

  const withStore = async <T>(run: (store: Awaited<ReturnType<typeof openState>>) => Promise<T>) => {
    const globals = program.opts<GlobalOptions>();
    const store = await openState(specPath(undefined, globals, io.cwd), globals, io);
    try {
      return await run(store);
    } finally {
      await store.close();
    }
  };

  tokens
    .command('create')
    .description('create a token for USER and print it (alone) on standard output; only its hash is kept')
    .argument('<user>', 'the user, as teams: lists them')
    .option('--json', 'print { "user", "token" }')
    .action(async (user: string, options: { json?: boolean }) => {
      checkUser(user);
      const created = await withStore((store) => createToken(store, user));
      io.out(options.json ? JSON.stringify({ user, token: created.token }) : created.token);
      const path = specPath(undefined, program.opts<GlobalOptions>(), io.cwd);
      // A spec with errors still gets its token: its errors are `validate`'s to report.
      const spec = existsSync(path)
        ? loadSpecText(displayPath(path, io.cwd), readFileSync(path, 'utf8'), io.env).spec
        : undefined;
      if (spec && !Object.values(spec.teams).some((users) => users.includes(user)))
        io.err(
          `warning: ${user} is in no team of ${displayPath(path, io.cwd)}: the token gives no role until teams: lists them`,
        );
    });

  tokens
    .command('list')
    .description('every token: its id, user, when it was created and revoked; never the token')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const list = await withStore((store) => store.listTokens());
      const rows = list.map(({ id, user, createdAt, revokedAt }) => ({ id, user, createdAt, revokedAt }));
      if (options.json) return io.out(JSON.stringify(rows, null, 2));
      if (!rows.length) return io.out('no tokens');
      io.out(
        table([
          ['ID', 'USER', 'CREATED', 'REVOKED'],
          ...rows.map((t) => [t.id, t.user, t.createdAt, t.revokedAt ?? '-']),
        ]),
      );
    });

  tokens
    .command('revoke')
    .description('revoke every token of USER; the API refuses them from the next request')
    .argument('<user>', 'the user')
    .action(async (user: string) => {
      checkUser(user);
      const n = await withStore((store) => store.revokeTokens(user));
      io.out(
        n
          ? `${io.style.green('✓')} revoked ${n} token${n === 1 ? '' : 's'} of ${user}`
          : `${user} has no live tokens`,
      );
    });
}

function checkUser(user: string): void {
  const r = userName().safeParse(user);
  if (!r.success) throw new InvalidInput(r.error.issues[0]!.message);
}
