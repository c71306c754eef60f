import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { renderAlloy } from '../../../src/render/alloy/index.ts';
import { renderLoki } from '../../../src/render/loki/index.ts';
import { assertGolden, exampleContext } from '../../support/render.ts';

/** Just enough of Alloy's syntax to check a config's shape: components, labels and references. */
function alloyComponents(text: string): { components: string[]; references: string[] } {
  let depth = 0;
  const components: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-z_.]+) "([a-z0-9_]+)" \{$/.exec(line.trim());
    if (m && depth === 0) components.push(`${m[1]}.${m[2]}`);
    depth += (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length;
    assert.ok(depth >= 0, 'braces balance');
  }
  assert.equal(depth, 0, 'braces balance');
  const references = [...text.matchAll(/= \[?([a-z_]+(?:\.[a-z_]+)+)\.(targets|output|receiver)\]?/g)].map(
    (m) => m[1]!,
  );
  return { components, references };
}

describe('Loki config (no Loki binary here: checked by structure and golden files)', () => {
  it('is multi-tenant on TSDB v13 with the spec’s retention enforced by the compactor', () => {
    const config = parse(renderLoki(exampleContext('beryl3'))[0]!.content);
    assert.equal(config.auth_enabled, true);
    assert.equal(config.schema_config.configs[0].schema, 'v13');
    assert.equal(config.schema_config.configs[0].store, 'tsdb');
    assert.equal(config.compactor.retention_enabled, true);
    assert.equal(config.compactor.delete_request_store, 'filesystem');
    assert.equal(config.limits_config.retention_period, `${14 * 24}h`);
    const gw2 = parse(renderLoki(exampleContext('gw2'))[0]!.content);
    assert.equal(gw2.limits_config.retention_period, `${30 * 24}h`);
    assert.deepEqual(renderLoki(exampleContext('demo')), [], 'loki: false renders nothing');
  });

  it('golden files, and the same output twice', () => {
    const a = renderLoki(exampleContext('beryl3'));
    assert.deepEqual(a, renderLoki(exampleContext('beryl3')));
    assertGolden(join(import.meta.dirname, 'golden', 'beryl3'), a);
  });
});

describe('Alloy log shipper config (no Alloy binary here: checked by a structural parser and golden files)', () => {
  it('finds this environment’s containers, labels lines by project and service, and routes each project to its tenant', () => {
    const text = renderAlloy(exampleContext('beryl3'))[0]!.content;
    const { components, references } = alloyComponents(text);
    assert.equal(new Set(components).size, components.length, 'component labels are unique');
    for (const r of references) assert.ok(components.includes(r), `${r} exists`);
    assert.deepEqual(components, [
      'discovery.docker.containers',
      'discovery.relabel.containers',
      'loki.source.docker.containers',
      'loki.process.tenants',
      'loki.write.loki',
    ]);
    assert.match(text, /values = \["io\.stagecraft\.environment=staging"\]/);
    assert.match(
      text,
      /source_labels = \["__meta_docker_container_label_io_stagecraft_project"\]\n\s+target_label\s+= "project"/,
    );
    assert.match(
      text,
      /source_labels = \["__meta_docker_container_label_io_stagecraft_service"\]\n\s+target_label\s+= "service"/,
    );
    assert.match(text, /stage\.tenant \{\n\s+label = "project"/);
    assert.match(text, /url = "http:\/\/shared-loki:3100\/loki\/api\/v1\/push"/);
    assert.deepEqual(renderAlloy(exampleContext('demo')), []);
  });

  it('golden files, and the same output twice', () => {
    const a = renderAlloy(exampleContext('beryl3'));
    assert.deepEqual(a, renderAlloy(exampleContext('beryl3')));
    assertGolden(join(import.meta.dirname, 'golden', 'beryl3'), a);
  });
});
