import { SHARED_PORTS, sharedContainer } from '../../model/index.ts';

/** Where the shared stack reaches Loki on `shared-monitoring`: Grafana queries it, Alloy pushes to it. */
export const LOKI_URL = `http://${sharedContainer('loki')}:${SHARED_PORTS.loki}`;

export const LOKI_PUSH_URL = `${LOKI_URL}/loki/api/v1/push`;
