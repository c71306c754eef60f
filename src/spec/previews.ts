import type { Project, Service, Spec } from './model.ts';

/**
 * Previews (README, "Previews"): a per-branch copy of a project, `shop--feat-login`, derived from
 * the project's own definition. Pure: the recorded previews are an input, so plan, render, up and
 * the isolation matrix see each one as a project of its own.
 */

/** Between the project's name and the preview's: `shop--feat-login`. */
export const PREVIEW_SEPARATOR = '--';

/** What a preview is derived from (the state store records more: its age and expiry). */
export interface PreviewInput {
  /** The project it copies. */
  project: string;
  /** The preview's own name, already checked (`previewName`). */
  name: string;
  /** Service → image run instead of the project's. */
  images: Readonly<Record<string, string>>;
}

export function previewProjectName(project: string, name: string): string {
  return `${project}${PREVIEW_SEPARATOR}${name}`;
}

/** The longest name a preview's object takes: the same rule as a project's (rules/names.ts). */
const OBJECT_NAME_MAX = 63;

export type NameCheck = { ok: true; name: string } | { ok: false; message: string; hint: string };

/**
 * A branch name as a preview name, predictably: lower-case, every character but a letter, a digit
 * or `-` becomes `-`, runs of `-` become one, and none is left at either end
 * (`Feat/Login_Form` → `feat-login-form`). Too long for the project's object names (or a DNS
 * label) is an error, never a silent cut: two branches must not land on one preview.
 */
export function previewName(branch: string, project?: Project): NameCheck {
  const name = branch
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
  if (!name)
    return {
      ok: false,
      message: `"${branch}" gives no preview name: it has no letter or digit`,
      hint: 'name the preview with letters, digits and -, such as feat-login',
    };
  const max = project ? roomFor(project) : OBJECT_NAME_MAX;
  if (name.length > max) {
    const where = project ? ` for project ${project.name} (its object names stay within 63 characters)` : '';
    return {
      ok: false,
      message: `preview name "${name}" is ${name.length} characters; at most ${max} fit${where}`,
      hint: `give a shorter name, such as "${name.slice(0, max).replace(/-+$/, '')}"`,
    };
  }
  return { ok: true, name };
}

/** How long a preview name of the project may be: its longest object name must stay a DNS label. */
export function roomFor(project: Project): number {
  const longestSuffix = Math.max(
    0,
    ...project.services.map((s) => `-${s.name}-${Math.max(s.replicas, 1)}`.length),
  );
  return Math.min(
    OBJECT_NAME_MAX,
    OBJECT_NAME_MAX - project.name.length - PREVIEW_SEPARATOR.length - longestSuffix,
  );
}

/**
 * The preview as a project: named `P--NAME`, its routes on `NAME.<host>` (`NAME.<P's domain>` for
 * the project's own; a host named in an env value, such as an allowed-hosts list, moves with
 * them), the images it was given, and no off-server backup copy (the project's remote store and
 * its keys stay the project's). Its data services are its own, empty at first.
 */
export function previewProject(project: Project, preview: Pick<PreviewInput, 'name' | 'images'>): Project {
  const name = previewProjectName(project.name, preview.name);
  const hosts = new Set([
    project.domain,
    ...project.services.flatMap((s) => (s.type === 'app' ? s.resolvedRoutes.map((r) => r.host) : [])),
  ]);
  const host = (h: string) => (hosts.has(h) ? `${preview.name}.${h}` : h);
  return {
    ...project,
    name,
    domain: host(project.domain),
    previewOf: project.name,
    // A preview has no previews of its own.
    previews: { ...project.previews, max: 0 },
    services: project.services.map((s) => previewService(s, name, preview.images[s.name], host)),
  };
}

function previewService(
  s: Service,
  project: string,
  image: string | undefined,
  host: (h: string) => string,
): Service {
  const base = {
    ...s,
    project,
    env: Object.fromEntries(Object.entries(s.env).map(([k, v]) => [k, movedHosts(v, host)])),
  };
  if (image !== undefined) {
    base.image = image;
    delete base.build;
  }
  if (base.type === 'app')
    return { ...base, resolvedRoutes: base.resolvedRoutes.map((r) => ({ ...r, host: host(r.host) })) };
  if (base.type === 'postgres' && base.backup) {
    const { remote: _remote, ...local } = base.backup;
    return { ...base, backup: local };
  }
  return base;
}

/** The value with each whole host name in it moved (`https://shop.example/cb` → `https://feat.shop.example/cb`). */
function movedHosts(value: string, host: (h: string) => string): string {
  return value.replace(/[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?/g, host);
}

/**
 * The spec with each preview as one more project, after the spec's own (by project, then name). A
 * preview of a project the spec no longer has, or of a preview, is left out.
 */
export function withPreviews(spec: Spec, previews: readonly PreviewInput[]): Spec {
  if (!previews.length) return spec;
  const own = new Map(spec.projects.filter((p) => !p.previewOf).map((p) => [p.name, p]));
  const taken = new Set(spec.projects.map((p) => p.name));
  const extra: Project[] = [];
  const sorted = [...previews].sort((a, b) =>
    a.project === b.project ? (a.name < b.name ? -1 : 1) : a.project < b.project ? -1 : 1,
  );
  for (const preview of sorted) {
    const project = own.get(preview.project);
    const name = previewProjectName(preview.project, preview.name);
    if (!project || taken.has(name)) continue;
    taken.add(name);
    extra.push(previewProject(project, preview));
  }
  return { ...spec, projects: [...spec.projects, ...extra] };
}

/** The spec as its file has it: the recorded previews left out. */
export function withoutPreviews(spec: Spec): Spec {
  return spec.projects.some((p) => p.previewOf)
    ? { ...spec, projects: spec.projects.filter((p) => !p.previewOf) }
    : spec;
}

/** The project a preview's objects belong to, when it is one (`shop--feat-login` → `shop`). */
export function previewOf(spec: Spec, project: string): string | undefined {
  return spec.projects.find((p) => p.name === project)?.previewOf;
}
