import type Docker from 'dockerode';
import { containerLogs, followContainerLogs } from '../drivers/docker/container-logs.ts';
import { ownedContainers } from '../drivers/docker/engine.ts';
import { LABEL } from '../model/index.ts';
import type { SecretStore } from '../state/index.ts';
import { OperationFailed } from './failure.ts';
import type { RunningEnvironment } from './running-environment.ts';
import { secretRedactor } from './secret-redaction.ts';

/** The project (or service) has no container to read logs from. */
export class NoContainers extends OperationFailed {}

/**
 * The logs of a project's containers (or one service's) since `since` (Unix seconds), each line
 * handed over with its container's name; with `follow`, until every log stream ends (or `signal`
 * aborts). Without it, empty lines are left out.
 */
export async function projectLogs(
  docker: Docker,
  environment: string,
  which: { project: string; service?: string | undefined },
  options: { since: number; follow?: boolean | undefined; signal?: AbortSignal | undefined },
  onLine: (container: string, line: string) => void,
): Promise<void> {
  const containers = (await ownedContainers(docker, environment, which.project)).filter(
    (c) => !which.service || c.labels[LABEL.service] === which.service,
  );
  if (!containers.length)
    throw new NoContainers(`no containers of ${which.project}${which.service ? `/${which.service}` : ''}`);
  await Promise.all(
    containers.map(async (c) => {
      if (options.follow)
        return followContainerLogs(docker, c.id, options.since, (l) => onLine(c.name, l), options.signal);
      const text = await containerLogs(docker, c.id, options.since);
      for (const line of text.split('\n').filter(Boolean)) onLine(c.name, line);
    }),
  );
}

/**
 * `projectLogs` for the API: every line passes through the secret redactor of the project (a
 * container may print its environment) before it is handed over.
 */
export async function redactedProjectLogs(
  env: RunningEnvironment & { secrets: SecretStore },
  which: { project: string; service?: string | undefined },
  options: { since: number; follow?: boolean | undefined; signal?: AbortSignal | undefined },
  onLine: (container: string, line: string) => void,
): Promise<void> {
  const redact = await secretRedactor(env.secrets, which.project);
  await projectLogs(env.docker, env.spec.environment, which, options, (container, line) =>
    onLine(container, redact(line)),
  );
}
