/** What every rendered object has; the builders type theirs with kubernetes-models' interfaces. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
}

/**
 * An object literal checked against its kubernetes-models interface (unknown fields are compile
 * errors), then handed on as a `KubeObject`.
 */
export function typed<T extends KubeObject>(object: T): T {
  return object;
}
