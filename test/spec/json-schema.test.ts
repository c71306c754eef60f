import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { jsonSchema } from '../../src/spec/json-schema.ts';

const examples = join(import.meta.dirname, '..', '..', 'examples');

describe('the JSON Schema editors use', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const validate = ajv.compile(jsonSchema());

  it('accepts every example', () => {
    for (const name of readdirSync(examples)) {
      const data = parse(readFileSync(join(examples, name, 'staging.yaml'), 'utf8'));
      assert.ok(validate(data), `${name}: ${JSON.stringify(validate.errors)}`);
    }
  });

  it('flags an unknown key and a wrong service type', () => {
    const data = parse(readFileSync(join(examples, 'demo', 'staging.yaml'), 'utf8'));
    data.projects.shop.services.web.prot = 80;
    assert.equal(validate(data), false);
    delete data.projects.shop.services.web.prot;
    data.projects.shop.services.db.type = 'postgress';
    assert.equal(validate(data), false);
  });
});
