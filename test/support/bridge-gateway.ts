import type Docker from 'dockerode';
import { Cidr } from '../../src/spec/index.ts';

/**
 * The IPv4 gateway of Docker's default bridge (docker0): what `host.docker.internal:host-gateway`
 * resolves to inside a container. Docker 20.10 leaves it out of the bridge's IPAM config; then it
 * is the subnet's first address (what the daemon gives docker0). Undefined without an IPv4 subnet.
 */
export async function defaultBridgeGateway(docker: Docker): Promise<string | undefined> {
  const bridge = (await docker.getNetwork('bridge').inspect()) as {
    IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] };
  };
  for (const c of bridge.IPAM?.Config ?? []) {
    const subnet = Cidr.parse(c.Subnet);
    if (!subnet.ok) continue; // an IPv6 subnet
    return c.Gateway ?? subnet.value.address(1);
  }
  return undefined;
}
