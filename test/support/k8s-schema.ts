/**
 * Validates rendered Kubernetes objects against the OpenAPI schemas that kubernetes-models and
 * @kubernetes-models/* ship (their ajv validators: types, enums, required fields), plus what those
 * validators let through: unknown fields and names the API server would refuse.
 *
 * Unknown fields: the shipped validators accept any extra property (the upstream schemas do not say
 * `additionalProperties: false`). The validator's generated code reads every property its schema
 * declares, so we hand it the object behind a Proxy that records which keys it read; a key of an
 * object it read some keys of, but not that one, is unknown to the schema. Objects whose keys it
 * enumerates are maps (labels, data) and objects it reads nothing of are free-form
 * (x-kubernetes-preserve-unknown-fields); neither is checked. The trace errs on the safe side:
 * a declared field whose schema checks nothing is never read either, so it is reported as unknown
 * (Argo CD's `AppProject.spec.description` is one): the renderer leaves such fields out.
 */
import { createRequire } from 'node:module';

/**
 * The core API is checked twice, against the newest and the oldest schema at hand: kubernetes-models
 * 5.1 carries 1.34 (PodSpec.hostnameOverride) and 4.4.2, installed as `kubernetes-models-1.27`,
 * carries 1.27 (Container.resizePolicy, no Container.restartPolicy). No release carries 1.28 to
 * 1.32 (4.5.x is 1.33), so `server.kubernetes.version` (1.31 by default) cannot be had exactly; an
 * object valid in both uses only fields and API versions that 1.27 already served and 1.34 still
 * does, which GA APIs keep in every version between.
 */
export const CORE_SCHEMAS = [
  { pkg: 'kubernetes-models', kubernetes: '1.34' },
  { pkg: 'kubernetes-models-1.27', kubernetes: '1.27' },
] as const;

export const SCHEMA_PACKAGES = [
  'kubernetes-models',
  'kubernetes-models-1.27',
  '@kubernetes-models/cert-manager',
  '@kubernetes-models/prometheus-operator',
  '@kubernetes-models/argo-cd',
  '@kubernetes-models/istio',
  '@kubernetes-models/external-secrets',
] as const;

const PACKAGE_OF_GROUP: Record<
  string,
  Exclude<(typeof SCHEMA_PACKAGES)[number], (typeof CORE_SCHEMAS)[number]['pkg']>
> = {
  'cert-manager.io': '@kubernetes-models/cert-manager',
  'acme.cert-manager.io': '@kubernetes-models/cert-manager',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
  'argoproj.io': '@kubernetes-models/argo-cd',
  'networking.istio.io': '@kubernetes-models/istio',
  'security.istio.io': '@kubernetes-models/istio',
  'external-secrets.io': '@kubernetes-models/external-secrets',
};

export interface SchemaProblem {
  /** `Kind/namespace/name` */
  object: string;
  path: string;
  message: string;
}

type KubeObject = {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown };
};
type Validate = (this: unknown) => void;

const require = createRequire(import.meta.url);

/** The versions of the schema packages installed, for reports. */
export function schemaPackageVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of SCHEMA_PACKAGES) out[p] = (require(`${p}/package.json`) as { version: string }).version;
  return out;
}

async function validatorFor(apiVersion: string, kind: string, core: string): Promise<Validate | undefined> {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
  const pkg = PACKAGE_OF_GROUP[group] ?? core;
  let mod: Record<string, { prototype: { validate: Validate } }>;
  try {
    mod = await import(`${pkg}/${apiVersion}`);
  } catch {
    return undefined;
  }
  return mod[kind]?.prototype.validate;
}

/**
 * Fields Kubernetes added after 1.27 and served by default in 1.31 (`server.kubernetes.version`'s
 * default), which the 1.27 schema cannot know: an init container's `restartPolicy: Always` makes a
 * native sidecar (1.28 alpha, on by default since 1.29), as the restore check's scratch database is.
 */
const ADDED_AFTER_1_27 = [/\/initContainers\/\d+\/restartPolicy$/];

/**
 * Against each core schema (a CRD has one schema, checked once); a problem the 1.27 schema alone
 * finds says so.
 */
export async function validateObject(obj: KubeObject): Promise<SchemaProblem[]> {
  const group =
    typeof obj.apiVersion === 'string' && obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0]! : '';
  const [newest, ...older] = PACKAGE_OF_GROUP[group] ? [CORE_SCHEMAS[0]] : CORE_SCHEMAS;
  const problems = await validateWith(obj, newest.pkg);
  const seen = new Set(problems.map(formatProblem));
  for (const schema of older)
    for (const p of await validateWith(obj, schema.pkg))
      if (!seen.has(formatProblem(p)) && !ADDED_AFTER_1_27.some((field) => field.test(p.path)))
        problems.push({ ...p, message: `${p.message} (in Kubernetes ${schema.kubernetes})` });
  return problems;
}

async function validateWith(obj: KubeObject, core: string): Promise<SchemaProblem[]> {
  const meta = obj.metadata ?? {};
  const id = `${String(obj.kind)}/${meta.namespace ? `${String(meta.namespace)}/` : ''}${String(meta.name)}`;
  const problems: SchemaProblem[] = [];
  const problem = (path: string, message: string) => problems.push({ object: id, path, message });
  if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') {
    problem('', 'has no apiVersion or kind');
    return problems;
  }
  const validate = await validatorFor(obj.apiVersion, obj.kind, core);
  if (!validate) {
    problem('', `no schema for ${obj.apiVersion} ${obj.kind}`);
    return problems;
  }
  const reads = new Map<object, { path: string; read: Set<string>; enumerated: boolean }>();
  try {
    validate.call(tracked(obj, '', reads));
  } catch (e) {
    const errors = (e as { errors?: { instancePath: string; message?: string }[] }).errors;
    if (!errors) throw e;
    for (const err of errors) problem(err.instancePath, err.message ?? 'is invalid');
  }
  for (const [target, r] of reads) {
    if (r.enumerated || r.read.size === 0) continue;
    for (const key of Object.keys(target))
      if (!r.read.has(key)) problem(`${r.path}/${key}`, 'is not a field of the schema');
  }
  for (const [path, message] of nameProblems(obj)) problem(path, message);
  return problems;
}

export async function validateObjects(objects: readonly KubeObject[]): Promise<SchemaProblem[]> {
  return (await Promise.all(objects.map(validateObject))).flat();
}

export const formatProblem = (p: SchemaProblem) => `${p.object}: ${p.path || '/'} ${p.message}`;

function tracked(
  value: unknown,
  path: string,
  reads: Map<object, { path: string; read: Set<string>; enumerated: boolean }>,
): unknown {
  if (value === null || typeof value !== 'object') return value;
  const proxies = new WeakMap<object, unknown>();
  const wrap = (v: unknown, p: string): unknown => {
    if (v === null || typeof v !== 'object') return v;
    const known = proxies.get(v);
    if (known) return known;
    const record = { path: p, read: new Set<string>(), enumerated: false };
    if (!Array.isArray(v)) reads.set(v, record);
    const proxy = new Proxy(v, {
      get(target, key, receiver) {
        const child = Reflect.get(target, key, receiver);
        if (typeof key !== 'string') return child;
        record.read.add(key);
        return wrap(child, `${p}/${key}`);
      },
      has(target, key) {
        if (typeof key === 'string') record.read.add(key);
        return Reflect.has(target, key);
      },
      ownKeys(target) {
        record.enumerated = true;
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(v, proxy);
    return proxy;
  };
  return wrap(value, path);
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const PORT_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Names the API server refuses and the schemas do not check (apimachinery's validation). */
function nameProblems(obj: KubeObject): [string, string][] {
  const out: [string, string][] = [];
  const name = String(obj.metadata?.name ?? '');
  const kind = String(obj.kind);
  if (kind === 'Service') {
    if (name.length > 63 || !DNS1035_LABEL.test(name))
      out.push(['/metadata/name', `"${name}" is not a DNS-1035 label`]);
  } else if (kind === 'Namespace') {
    if (name.length > 63 || !DNS1123_LABEL.test(name))
      out.push(['/metadata/name', `"${name}" is not a DNS-1123 label`]);
  } else if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    out.push(['/metadata/name', `"${name}" is not a DNS-1123 subdomain`]);
  }
  if (kind === 'CronJob' && name.length > 52)
    out.push(['/metadata/name', `"${name}" is longer than 52 characters`]);
  const namespace = obj.metadata?.namespace;
  if (namespace !== undefined && (String(namespace).length > 63 || !DNS1123_LABEL.test(String(namespace))))
    out.push(['/metadata/namespace', `"${String(namespace)}" is not a DNS-1123 label`]);
  walk(obj, '', (path, key, value) => {
    if (
      (key === 'labels' || key === 'matchLabels') &&
      value &&
      typeof value === 'object' &&
      !Array.isArray(value)
    ) {
      for (const [k, v] of Object.entries(value)) {
        if (!labelKeyValid(k)) out.push([`${path}/${k}`, `"${k}" is not a valid label key`]);
        if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v))
          out.push([`${path}/${k}`, `"${String(v)}" is not a valid label value`]);
      }
    }
    if (key === 'containers' || key === 'initContainers') {
      for (const [i, c] of (Array.isArray(value) ? value : []).entries()) {
        const n = String((c as { name?: unknown }).name);
        if (n.length > 63 || !DNS1123_LABEL.test(n))
          out.push([`${path}/${i}/name`, `"${n}" is not a DNS-1123 label`]);
      }
    }
    if (key === 'ports' && Array.isArray(value)) {
      for (const [i, p] of value.entries()) {
        const n = (p as { name?: unknown }).name;
        if (typeof n === 'string' && !portNameValid(n))
          out.push([
            `${path}/${i}/name`,
            `"${n}" is not a port name (IANA_SVC_NAME: 15 characters, a letter, no "--")`,
          ]);
      }
    }
  });
  return out;
}

function labelKeyValid(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const name = parts.at(-1)!;
  const prefix = parts.length === 2 ? parts[0]! : undefined;
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) return false;
  return name.length <= 63 && LABEL_NAME.test(name);
}

function portNameValid(name: string): boolean {
  return name.length <= 15 && PORT_NAME.test(name) && /[a-z]/.test(name) && !name.includes('--');
}

function walk(
  value: unknown,
  path: string,
  visit: (path: string, key: string, value: unknown) => void,
): void {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) walk(v, `${path}/${i}`, visit);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    visit(`${path}/${k}`, k, v);
    walk(v, `${path}/${k}`, visit);
  }
}
