import { createHash } from 'node:crypto';

/** Grafana dashboard pieces, built as data. */
export interface DatasourceRef {
  type: string;
  uid: string;
}

export const PROMETHEUS: DatasourceRef = { type: 'prometheus', uid: 'prometheus' };
export const lokiFor = (tenant: string): DatasourceRef => ({ type: 'loki', uid: `loki-${tenant}` });

/** A stable uid from a name, so re-rendering keeps links and bookmarks. */
export function uidOf(name: string): string {
  return createHash('sha256').update(name).digest('hex').slice(0, 14);
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource: DatasourceRef;
  targets: { refId: string; expr: string; legendFormat?: string; datasource: DatasourceRef }[];
  fieldConfig?: unknown;
  options?: unknown;
}

/** Lays panels out two to a row, 12 columns each (full width when `wide`). */
export class Layout {
  private panels: Panel[] = [];
  private x = 0;
  private y = 0;

  add(
    type: string,
    title: string,
    datasource: DatasourceRef,
    exprs: [string, string?][],
    extra: { unit?: string; wide?: boolean; options?: unknown } = {},
  ): this {
    const w = extra.wide ? 24 : 12;
    if (this.x + w > 24) {
      this.x = 0;
      this.y += 8;
    }
    this.panels.push({
      id: this.panels.length + 1,
      type,
      title,
      gridPos: { x: this.x, y: this.y, w, h: 8 },
      datasource,
      targets: exprs.map(([expr, legendFormat], i) => ({
        refId: String.fromCharCode(65 + i),
        expr,
        ...(legendFormat ? { legendFormat } : {}),
        datasource,
      })),
      ...(extra.unit ? { fieldConfig: { defaults: { unit: extra.unit }, overrides: [] } } : {}),
      ...(extra.options ? { options: extra.options } : {}),
    });
    this.x += w;
    return this;
  }

  done(): Panel[] {
    return this.panels;
  }
}

export function dashboard(title: string, uidName: string, panels: Panel[], templating: unknown[] = []) {
  return {
    uid: uidOf(uidName),
    title,
    tags: ['stagecraft'],
    timezone: 'utc',
    schemaVersion: 39,
    version: 1,
    editable: false,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    templating: { list: templating },
    panels,
  };
}
