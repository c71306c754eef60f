/**
 * `server`: the control plane's HTTP side: `/metrics`, the API under `/api/v1` (api/: routes and
 * roles, request schemas, the OpenAPI document, the writes wired to ops), the addresses they listen
 * on, and starting them with the scheduler.
 */

export { opsActions } from './api/actions.ts';
export { type ApiActions, type ApiDeps, apiApp } from './api/app.ts';
export { openApiDocument } from './api/openapi.ts';
export {
  API_ADDRESS,
  CannotListen,
  CONTROL_PLANE_ADDRESSES,
  type ControlPlane,
  controlPlaneSocket,
  isLoopback,
  type ListenAddress,
  type ServerTls,
  startControlPlane,
} from './control-plane.ts';
export { metricsHandler } from './metrics.ts';
