import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { renderPrometheus } from '../../../src/render/prometheus/index.ts';
import { exampleContext } from '../../support/render.ts';

/** Serves a fixed metrics page on 127.0.0.1; resolves to its `host:port`. */
async function metricsServer(body: string, servers: Server[]): Promise<string> {
  const server = createServer((_, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
    res.end(body);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function freePort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

interface Job {
  job_name: string;
  static_configs?: { targets: string[]; labels?: Record<string, string> }[];
  dns_sd_configs?: unknown;
}

/**
 * The real Prometheus (Debian's 2.42) scrapes stand-ins for an app, cAdvisor and the control plane
 * with the rendered jobs (their relabelling untouched; only the addresses point at the stand-ins):
 * the series must come out with the labels the rules and dashboards expect.
 */
describe('rendered scrape jobs, run by the real Prometheus', () => {
  const servers: Server[] = [];
  let prometheus: ChildProcess | undefined;
  let api = '';

  before(async () => {
    const rendered = parse(
      renderPrometheus(exampleContext('beryl3')).find((a) => a.path.endsWith('prometheus.yml'))!.content,
    ) as { scrape_configs: Job[] };
    const pick = (name: string) => structuredClone(rendered.scrape_configs.find((j) => j.job_name === name)!);
    const app = pick('beryl3-web');
    delete app.dns_sd_configs;
    app.static_configs = [
      {
        targets: [
          await metricsServer(
            'http_requests_total{method="GET",status="200"} 7\nhttp_requests_total{method="GET",status="500"} 1\n',
            servers,
          ),
        ],
      },
    ];
    const cadvisor = pick('cadvisor');
    cadvisor.static_configs![0]!.targets = [
      await metricsServer(
        [
          'container_memory_working_set_bytes{name="beryl3-web-1",container_label_io_stagecraft_project="beryl3",container_label_io_stagecraft_service="web"} 1000',
          'container_memory_working_set_bytes{name="unlabelled"} 5',
          '',
        ].join('\n'),
        servers,
      ),
    ];
    const control = pick('stagecraft');
    control.static_configs![0]!.targets = [
      await metricsServer(
        'stagecraft_backup_last_success_timestamp_seconds{project="beryl3",service="db"} 1.7e9\nstagecraft_up 1\n',
        servers,
      ),
    ];
    const dir = mkdtempSync(join(tmpdir(), 'stagecraft-prometheus-live-'));
    writeFileSync(
      join(dir, 'prometheus.yml'),
      stringify({ global: { scrape_interval: '1s' }, scrape_configs: [app, cadvisor, control] }),
    );
    const port = await freePort();
    api = `http://127.0.0.1:${port}/api/v1`;
    prometheus = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: 'ignore' },
    );
  });

  after(async () => {
    prometheus?.kill();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  /** The series a query returns, once the scrapes have produced some (up to 20 s). */
  async function series(query: string): Promise<Record<string, string>[]> {
    for (let i = 0; i < 80; i++) {
      try {
        const res = await fetch(`${api}/query?query=${encodeURIComponent(query)}`);
        const body = (await res.json()) as { data?: { result: { metric: Record<string, string> }[] } };
        const result = body.data?.result ?? [];
        if (result.length > 0) return result.map((r) => r.metric);
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.fail(`no series for ${query}`);
  }

  it("an app's series carry environment, project, service and replica", async () => {
    const [s] = await series('http_requests_total{status="500"}');
    assert.equal(s!.job, 'beryl3-web');
    assert.equal(s!.environment, 'staging');
    assert.equal(s!.project, 'beryl3');
    assert.equal(s!.service, 'web');
    // Not one of the plan's edge addresses: the replica is named by its address.
    assert.equal(s!.replica, '127.0.0.1');
    const [up] = await series('up{job="beryl3-web"}');
    assert.equal(up!.replica, '127.0.0.1');
  });

  it("cAdvisor's container series belong to the container's project and service", async () => {
    const [ours] = await series('container_memory_working_set_bytes{name="beryl3-web-1"}');
    assert.equal(ours!.project, 'beryl3');
    assert.equal(ours!.service, 'web');
    const [other] = await series('container_memory_working_set_bytes{name="unlabelled"}');
    assert.equal(other!.project, 'shared');
    assert.equal(other!.service, 'cadvisor');
  });

  it("the control plane's series keep the project and service they are about", async () => {
    const [backup] = await series('stagecraft_backup_last_success_timestamp_seconds');
    assert.equal(backup!.project, 'beryl3');
    assert.equal(backup!.service, 'db');
    assert.equal(backup!.exported_project, undefined);
    const [own] = await series('stagecraft_up');
    assert.equal(own!.project, 'shared');
    assert.equal(own!.service, 'stagecraft');
  });
});
