import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { dockerFor } from '../../src/drivers/docker/client.ts';
import { ensureNetwork } from '../../src/drivers/docker/engine.ts';
import { docker } from '../support/docker-cli.ts';

const NETWORK = 'stagecraft-network-test';
const CONTAINER = 'stagecraft-network-test-member';

/** On the real engine, with a network and a container this test creates. */
describe('ensureNetwork', () => {
  const cleanup = () => {
    spawnSync('docker', ['rm', '-f', CONTAINER]);
    spawnSync('docker', ['network', 'rm', NETWORK]);
  };
  before(cleanup);
  after(cleanup);

  it('makes again a network an earlier version made not internal; its members keep their aliases and addresses', async () => {
    const engine = dockerFor('local', {});
    const net = { name: NETWORK, subnet: '10.251.0.0/24', ipRange: '10.251.0.192/26' };
    assert.equal(await ensureNetwork(engine, net), 'created');
    assert.equal(await ensureNetwork(engine, net), 'kept');
    docker(
      ...['run', '-d', '--name', CONTAINER, '--network', NETWORK, '--network-alias', 'shop-web'],
      ...['--ip', '10.251.0.7', 'stagecraft/base:bookworm', 'sleep', '300'],
    );
    const before = docker('network', 'inspect', '-f', '{{.Id}}', NETWORK);
    assert.equal(await ensureNetwork(engine, { ...net, internal: true }), 'recreated');
    assert.notEqual(docker('network', 'inspect', '-f', '{{.Id}}', NETWORK), before);
    assert.equal(docker('network', 'inspect', '-f', '{{.Internal}}', NETWORK), 'true');
    const endpoint = JSON.parse(
      docker('inspect', '-f', `{{json (index .NetworkSettings.Networks "${NETWORK}")}}`, CONTAINER),
    ) as { IPAddress: string; Aliases: string[] };
    assert.equal(endpoint.IPAddress, '10.251.0.7');
    assert.ok(endpoint.Aliases.includes('shop-web'), endpoint.Aliases.join(','));
    assert.equal(await ensureNetwork(engine, { ...net, internal: true }), 'kept');
  });
});
