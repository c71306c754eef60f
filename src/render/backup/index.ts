import type { Project } from '../../spec/index.ts';
import { type Artifact, file } from '../artifact.ts';
import type { RenderContext } from '../context.ts';
import { shellQuote } from '../shell.ts';

/**
 * `projects/<p>/backup/`: the schedule (a crontab fragment for hosts that run backups without the
 * stagecraft daemon) and the script it calls, which dumps through the project's compose file on the
 * project's own network; the one-off publishes the dump atomically (temporary name, fsync, rename).
 */
export function renderBackups(ctx: RenderContext): Artifact[] {
  return ctx.spec.projects.flatMap((p) => renderProjectBackup(ctx, p));
}

function renderProjectBackup(ctx: RenderContext, project: Project): Artifact[] {
  const databases = project.services.filter((s) => s.type === 'postgres' && s.backup);
  if (databases.length === 0) return [];
  // The spec refuses a backupDir outside a safe alphabet (SC0308); quoting here keeps the script
  // right even so, since it is a value from the spec written into a shell script.
  const dir = `${ctx.spec.server.backupDir}/${project.name}`;
  const lines = [
    `# Backups of project ${project.name}, rendered by stagecraft. Install with:`,
    `#   cp schedule /etc/cron.d/stagecraft-${project.name}`,
    '# (`stagecraft serve` runs the same schedule itself; use one or the other.)',
    'SHELL=/bin/sh',
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  ];
  for (const s of databases) {
    if (s.type !== 'postgres' || !s.backup) continue;
    lines.push(
      `${s.backup.schedule.toString()} root /opt/projects/${project.name}/backup/backup.sh ${s.name}`,
    );
  }
  const script = `#!/bin/sh
# Dumps one PostgreSQL service of project ${project.name} (custom format), then publishes the dump
# atomically: written under a temporary name, synced, renamed. Usage: backup.sh SERVICE
set -eu
service="\${1:?usage: backup.sh SERVICE}"
here=$(cd "$(dirname "$0")" && pwd)
stamp=$(date -u +%Y%m%dT%H%M%SZ)
dir=${shellQuote(dir)}
name=${shellQuote(project.name)}"-$service-$stamp"
mkdir -p "$dir"
if docker compose version >/dev/null 2>&1; then compose="docker compose"; else compose="docker-compose"; fi
# The one-off writes $name.dump (fsynced, then renamed), $name.dump.sha256 and $name.manifest.
$compose -f "$here/../compose.yaml" --profile backup run --rm -e BACKUP_NAME="$name" "$service-backup"
echo "$dir/$name.dump"
`;
  return [
    file(`projects/${project.name}/backup/schedule`, lines.join('\n')),
    file(`projects/${project.name}/backup/backup.sh`, script, 0o755),
  ];
}
