/** `server`: the control plane's HTTP side: `/metrics`, the addresses it listens on, and starting it with the scheduler. */

export {
  API_ADDRESS,
  CannotListen,
  type ControlPlane,
  controlPlaneAddresses,
  isLoopback,
  type ListenAddress,
  startControlPlane,
} from './control-plane.ts';
export { metricsHandler } from './metrics.ts';
