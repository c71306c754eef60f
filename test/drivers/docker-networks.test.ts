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

  it('makes again a network on another subnet (an edge network shrunk for the metrics network); a fixed address still inside is kept', async () => {
    const engine = dockerFor('local', {});
    const shrunk = { name: NETWORK, internal: true, subnet: '10.251.0.0/26', ipRange: '10.251.0.48/28' };
    assert.equal(await ensureNetwork(engine, shrunk), 'recreated');
    assert.equal(
      docker('network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}}{{end}}', NETWORK),
      '10.251.0.0/26',
    );
    const endpoint = JSON.parse(
      docker('inspect', '-f', `{{json (index .NetworkSettings.Networks "${NETWORK}")}}`, CONTAINER),
    ) as { IPAddress: string; Aliases: string[] };
    assert.equal(endpoint.IPAddress, '10.251.0.7');
    assert.ok(endpoint.Aliases.includes('shop-web'), endpoint.Aliases.join(','));
    // The freed half can hold a network of its own now.
    const metrics = { name: `${NETWORK}-metrics`, internal: true, subnet: '10.251.0.64/26' };
    try {
      assert.equal(await ensureNetwork(engine, metrics), 'created');
    } finally {
      spawnSync('docker', ['network', 'rm', metrics.name]);
    }
    // A member whose fixed address falls outside the new subnet rejoins with one the engine picks.
    assert.equal(
      await ensureNetwork(engine, { ...shrunk, subnet: '10.251.0.128/26', ipRange: '10.251.0.176/28' }),
      'recreated',
    );
    const moved = JSON.parse(
      docker('inspect', '-f', `{{json (index .NetworkSettings.Networks "${NETWORK}")}}`, CONTAINER),
    ) as { IPAddress: string; Aliases: string[] };
    assert.match(moved.IPAddress, /^10\.251\.0\.1(2[89]|[3-9]\d)$/);
    assert.ok(moved.Aliases.includes('shop-web'));
  });
});
