import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LABEL } from '../../../src/model/index.ts';
import { renderAlloy } from '../../../src/render/alloy/index.ts';
import { type Block, serialise } from '../../../src/render/alloy/syntax.ts';
import { lokiTenants } from '../../../src/render/loki/index.ts';
import { EXAMPLE_NAMES, exampleContext } from '../../support/render.ts';
import { type AlloyBlock, type AlloyValue, parseAlloy, referencesIn } from './alloy-syntax.ts';

/** The components this config may use, and what each exports. */
const EXPORTS: Record<string, string[]> = {
  'discovery.docker': ['targets'],
  'discovery.relabel': ['output', 'rules'],
  'loki.source.docker': [],
  'loki.process': ['receiver'],
  'loki.relabel': ['receiver', 'rules'],
  'loki.write': ['receiver'],
};

const str = (v: AlloyValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
const strings = (v: AlloyValue | undefined): string[] =>
  Array.isArray(v) ? v.map((x) => str(x) ?? assert.fail(`not a string: ${JSON.stringify(x)}`)) : [];

function component(blocks: AlloyBlock[], name: string): AlloyBlock {
  const found = blocks.filter((b) => b.name === name);
  assert.equal(found.length, 1, `one ${name}`);
  return found[0]!;
}

/** A container as `discovery.docker` reports it: its labels under `__meta_docker_container_label_*`. */
function dockerTarget(name: string, labels: Record<string, string>): Record<string, string> {
  const target: Record<string, string> = {
    __meta_docker_container_name: `/${name}`,
    __meta_docker_container_id: name,
  };
  for (const [k, v] of Object.entries(labels))
    target[`__meta_docker_container_label_${k.replace(/[^A-Za-z0-9_]/g, '_')}`] = v;
  return target;
}

/** `discovery.docker`'s `label` filter: `key=value` must be among the container's labels. */
function passesFilter(docker: AlloyBlock, labels: Record<string, string>): boolean {
  return docker.blocks
    .filter((b) => b.name === 'filter')
    .every((f) => {
      assert.equal(str(f.attributes.get('name')), 'label', 'only label filters are simulated');
      return strings(f.attributes.get('values')).some((kv) => {
        const [k, ...rest] = kv.split('=');
        return labels[k!] === rest.join('=');
      });
    });
}

/** Prometheus relabelling (replace, keep, drop), as `discovery.relabel` applies its `rule` blocks. */
function relabel(rules: AlloyBlock[], input: Record<string, string>): Record<string, string> | null {
  const labels = { ...input };
  for (const r of rules) {
    const action = str(r.attributes.get('action')) ?? 'replace';
    const source = strings(r.attributes.get('source_labels'))
      .map((l) => labels[l] ?? '')
      .join(str(r.attributes.get('separator')) ?? ';');
    const regex = new RegExp(`^(?:${str(r.attributes.get('regex')) ?? '(.*)'})$`);
    const m = regex.exec(source);
    if (action === 'keep' && !m) return null;
    if (action === 'drop' && m) return null;
    if (action === 'replace' && m) {
      const target = str(r.attributes.get('target_label'))!;
      const value = (str(r.attributes.get('replacement')) ?? '$1').replace(
        /\$\{?(\d+)\}?/g,
        (_, n) => m[+n] ?? '',
      );
      if (value === '') delete labels[target];
      else labels[target] = value;
    }
    assert.ok(['replace', 'keep', 'drop'].includes(action), `action ${action} is simulated`);
  }
  return labels;
}

/**
 * What reaches Loki for one container: discovery filter → relabel → loki.source.docker (which
 * drops `__` labels from entries) → loki.process stages → the tenant loki.write sends it as.
 */
function ship(config: AlloyBlock[], name: string, labels: Record<string, string>) {
  const docker = component(config, 'discovery.docker');
  if (!passesFilter(docker, labels)) return null;
  const relabelled = relabel(component(config, 'discovery.relabel').blocks, dockerTarget(name, labels));
  if (!relabelled) return null;
  const entry = Object.fromEntries(Object.entries(relabelled).filter(([k]) => !k.startsWith('__')));
  let tenant: string | undefined;
  for (const stage of component(config, 'loki.process').blocks) {
    assert.equal(stage.name, 'stage.tenant', `stage ${stage.name} is simulated`);
    const from = str(stage.attributes.get('label'));
    tenant = from !== undefined ? entry[from] : str(stage.attributes.get('value'));
  }
  return { labels: entry, tenant };
}

describe('alloy log shipper config (no alloy binary here: structural parser, simulated pipeline, golden file)', () => {
  for (const name of EXAMPLE_NAMES) {
    it(`${name}: parses, labels are unique, every reference names a component that exports it`, () => {
      const ctx = exampleContext(name);
      const files = renderAlloy(ctx);
      if (ctx.spec.shared.monitoring.loki === false) {
        assert.deepEqual(files, [], 'rendered with Loki only');
        return;
      }
      assert.deepEqual(
        files.map((f) => f.path),
        ['shared/alloy/config.alloy'],
      );
      const text = files[0]!.content;
      const opens = text.replace(/"(\\.|[^"\\])*"|\/\/.*$/gm, '');
      assert.equal((opens.match(/\{/g) ?? []).length, (opens.match(/\}/g) ?? []).length, 'braces balance');
      const config = parseAlloy(text);
      const ids = config.map((b) => `${b.name}.${b.label}`);
      for (const b of config) {
        assert.ok(b.name in EXPORTS, `${b.name} is a component this config is meant to use`);
        assert.match(b.label ?? '', /^[A-Za-z_][A-Za-z0-9_]*$/, `${b.name} has a valid label`);
      }
      assert.equal(new Set(ids).size, ids.length, 'component labels are unique');
      const refs = config.flatMap(referencesIn);
      assert.ok(refs.length >= 4);
      for (const r of refs) {
        const i = r.lastIndexOf('.');
        const target = config.find((b) => `${b.name}.${b.label}` === r.slice(0, i));
        assert.ok(target, `${r}: component ${r.slice(0, i)} exists`);
        assert.ok(
          EXPORTS[target.name]!.includes(r.slice(i + 1)),
          `${r}: ${target.name} exports ${r.slice(i + 1)}`,
        );
      }
      const docker = component(config, 'discovery.docker');
      assert.equal(str(docker.attributes.get('host')), 'unix:///var/run/docker.sock');
      assert.deepEqual(strings(docker.blocks.find((b) => b.name === 'filter')?.attributes.get('values')), [
        `${LABEL.environment}=${ctx.spec.environment}`,
      ]);
      const source = component(config, 'loki.source.docker');
      assert.equal(str(source.attributes.get('host')), 'unix:///var/run/docker.sock');
      const write = component(config, 'loki.write');
      assert.deepEqual(
        write.blocks.filter((b) => b.name === 'endpoint').map((b) => str(b.attributes.get('url'))),
        ['http://shared-loki:3100/loki/api/v1/push'],
      );
    });

    // Without Loki there is no Alloy config (the test above): nothing to route.
    if (exampleContext(name).spec.shared.monitoring.loki === false) continue;
    it(`${name}: each project's lines go to its own tenant, the shared stack's to "shared"`, () => {
      const ctx = exampleContext(name);
      const files = renderAlloy(ctx);
      assert.equal(files.length, 1, 'with Loki on, one Alloy config');
      const config = parseAlloy(files[0]!.content);
      const env = ctx.spec.environment;
      const tenants = lokiTenants(ctx.spec);
      assert.deepEqual(tenants, ['shared', ...ctx.spec.projects.map((p) => p.name).sort()]);
      for (const p of ctx.spec.projects) {
        for (const s of p.services) {
          const container = `${p.name}-${s.name}-1`;
          const shipped = ship(config, container, {
            [LABEL.environment]: env,
            [LABEL.project]: p.name,
            [LABEL.service]: s.name,
          });
          assert.deepEqual(shipped, {
            labels: { project: p.name, service: s.name, environment: env, container },
            tenant: p.name,
          });
        }
      }
      const grafana = ship(config, 'shared-grafana', {
        [LABEL.environment]: env,
        [LABEL.project]: 'shared',
        [LABEL.service]: 'grafana',
      });
      assert.equal(grafana?.tenant, 'shared');
      const other = env === 'staging' ? 'production' : 'staging';
      assert.equal(
        ship(config, 'x-web-1', { [LABEL.environment]: other, [LABEL.project]: 'x', [LABEL.service]: 'web' }),
        null,
        'another environment’s containers are not shipped',
      );
      assert.equal(
        ship(config, 'stray', { [LABEL.environment]: env }),
        null,
        'a container with no project label has no tenant and is not shipped',
      );
    });
  }

  it('the serialiser refuses what Alloy would not parse, and escapes strings', () => {
    const ok: Block = {
      name: 'loki.write',
      label: 'a_b',
      blocks: [{ name: 'endpoint', attributes: [['url', 'x"y\\z']] }],
    };
    assert.equal(serialise([ok]), 'loki.write "a_b" {\n  endpoint {\n    url = "x\\"y\\\\z"\n  }\n}\n');
    assert.equal(str(parseAlloy(serialise([ok]))[0]!.blocks[0]!.attributes.get('url')), 'x"y\\z');
    assert.throws(() => serialise([{ name: 'loki.write', label: 'my-project' }]), /label/);
    assert.throws(() => serialise([{ name: 'loki write' }]), /block name/);
    assert.throws(() => serialise([{ name: 'x', attributes: [['a-b', 1]] }]), /attribute/);
  });
});
