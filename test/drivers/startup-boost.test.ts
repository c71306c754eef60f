import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { engineContainers } from '../../src/drivers/docker/container-create.ts';
import {
  STARTUP_NANO_CPUS,
  withoutRestartPolicy,
  withStartupBoost,
} from '../../src/drivers/docker/startup-boost.ts';
import { sampleStack } from '../support/sample-stack.ts';

describe('the startup CPU boost of a create body', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-boost-'));
  mkdirSync(join(dir, 'secrets'));
  writeFileSync(join(dir, 'secrets', 'db.env'), 'DB_PASSWORD=x\n');
  const [db, , release] = engineContainers(sampleStack(), dir);

  it('raises a limit under one core to one core, and changes nothing else', () => {
    const boosted = withStartupBoost(db!);
    assert.equal(db!.options.HostConfig!.NanoCpus, 0.5e9, 'the spec’s body is left as it was');
    assert.equal(boosted.options.HostConfig!.NanoCpus, STARTUP_NANO_CPUS);
    assert.equal(
      boosted.options.HostConfig!.Memory,
      db!.options.HostConfig!.Memory,
      'memory is never raised',
    );
    assert.equal(boosted.hash, db!.hash, 'the container keeps the hash of its spec');
    assert.deepEqual(
      { ...boosted.options, HostConfig: { ...boosted.options.HostConfig, NanoCpus: 0.5e9 } },
      db!.options,
    );
  });

  it('leaves a container with no CPU limit, or one of a core or more, as it is', () => {
    assert.equal(withStartupBoost(release!), release);
    const twoCores = {
      ...db!,
      options: { ...db!.options, HostConfig: { ...db!.options.HostConfig, NanoCpus: 2e9 } },
    };
    assert.equal(withStartupBoost(twoCores), twoCores);
  });

  it('a new replica waits for its gate with no restart policy, the rest of its body the spec’s', () => {
    const gated = withoutRestartPolicy(db!);
    assert.deepEqual(gated.options.HostConfig!.RestartPolicy, { Name: 'no' });
    assert.deepEqual(db!.options.HostConfig!.RestartPolicy, { Name: 'unless-stopped' });
    assert.deepEqual(
      {
        ...gated.options,
        HostConfig: { ...gated.options.HostConfig, RestartPolicy: { Name: 'unless-stopped' } },
      },
      db!.options,
    );
  });
});
