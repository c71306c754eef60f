import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderServerLayout } from '../../../src/render/index.ts';
import { latencyBuckets } from '../../../src/render/proxy-metrics/index.ts';
import { Duration } from '../../../src/spec/index.ts';
import { exampleContext } from '../../support/render.ts';

describe("the proxy's per-app metrics", () => {
  it('nginx sends a line per request to mtail by address, and mtail counts what the line holds', () => {
    const ctx = exampleContext('beryl3');
    const files = renderServerLayout(ctx);
    const nginx = files.find((f) => f.path === 'shared/nginx/nginx.conf')!.content;
    const address = ctx.spec.network.shared.address(11);
    assert.match(
      nginx,
      new RegExp(`access_log syslog:server=${address.replaceAll('.', '\\.')}:5140,[^ ]* stagecraft_metrics;`),
    );
    assert.match(
      nginx,
      /log_format stagecraft_metrics '\$stagecraft_project \$stagecraft_service \$status \$request_time\n';/,
    );
    const program = files.find((f) => f.path === 'shared/mtail/proxy.mtail')!.content;
    const pattern = /^\/(.*)\/ \{$/m.exec(program)?.[1];
    assert.ok(pattern, program);
    const line = new RegExp(pattern.replace('(?P<', '(?<').replaceAll('(?P<', '(?<'));
    // What nginx sends (syslog header, then the line): project and service names as the spec allows them.
    const m = line.exec('<190>Dec  2 15:00:00 stagecraft: beryl3 web_2 503 0.250');
    assert.deepEqual(
      { ...m?.groups },
      { project: 'beryl3', service: 'web_2', status: '503', seconds: '0.250' },
    );
  });

  it('has a bucket at every latency threshold, so a p95 is exact where it is judged', () => {
    const spec = exampleContext('beryl3').spec;
    assert.ok(latencyBuckets(spec).includes(2), 'shared.alerts.latencyP95 and the analysis: 2s');
    const projects = spec.projects.map((p) => ({
      ...p,
      deploy: { analysis: { ...p.deploy.analysis!, latencyP95: Duration.milliseconds(300) } },
    }));
    const buckets = latencyBuckets({ ...spec, projects });
    assert.ok(buckets.includes(0.3) && buckets.includes(2), String(buckets));
    assert.deepEqual(
      buckets,
      [...buckets].sort((a, b) => a - b),
    );
  });

  it('is not rendered without Prometheus', () => {
    const ctx = exampleContext('demo');
    const spec = {
      ...ctx.spec,
      shared: {
        ...ctx.spec.shared,
        monitoring: { ...ctx.spec.shared.monitoring, prometheus: false as const },
      },
    };
    const files = renderServerLayout({ ...ctx, spec });
    assert.equal(
      files.find((f) => f.path.startsWith('shared/mtail/')),
      undefined,
    );
    assert.doesNotMatch(files.find((f) => f.path === 'shared/nginx/nginx.conf')!.content, /syslog/);
  });
});
