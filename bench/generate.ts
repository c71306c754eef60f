/** A spec of `projects` projects with five services each (app, worker, cron, postgres, redis). */
export function generateSpec(projects: number): string {
  const lines = [
    'version: 1',
    'server:',
    '  domain: bench.test',
    `  capacity: { cpus: ${projects * 4 + 8}, memory: ${projects * 4 + 16}GiB }`,
    '  cost: { monthly: 5000, currency: USD }',
    'network: { shared: 172.19.0.0/16, projects: 10.0.0.0/8, projectSize: 20 }',
    `ports: { app: { from: 10000, to: ${10000 + projects + 99} }, postgres: { from: 20000, to: ${20000 + projects + 99} }, redis: { from: 30000, to: ${30000 + projects + 99} } }`,
    'projects:',
  ];
  for (let i = 0; i < projects; i++) {
    lines.push(
      `  project-${i}:`,
      '    services:',
      '      web:',
      '        type: app',
      `        image: registry.test/p${i}/web:1`,
      '        replicas: 2',
      '        resources: { cpus: 0.5, memory: 512MiB }',
      '        env: { MODE: staging }',
      '        secrets: [APP_SECRET]',
      '        uses: [db, cache]',
      `      worker: { type: worker, image: registry.test/p${i}/web:1, command: work, uses: [db, cache] }`,
      `      nightly: { type: cron, schedule: "0 3 * * *", image: registry.test/p${i}/web:1, command: nightly, uses: [db] }`,
      '      db: { type: postgres, storage: 5GiB, backup: { schedule: "0 2 * * *" } }',
      '      cache: { type: redis }',
    );
  }
  return `${lines.join('\n')}\n`;
}
