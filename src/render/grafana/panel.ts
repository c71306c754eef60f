import type { DatasourceRef } from './datasources.ts';

/** One query of a panel: PromQL for Prometheus, LogQL for Loki. */
export interface Query {
  expr: string;
  legend?: string;
  /** One value per series at the dashboard's end time, as a table (Prometheus only). */
  table?: boolean;
}

export interface PanelSpec {
  type: 'timeseries' | 'table' | 'logs';
  title: string;
  description?: string;
  datasource: DatasourceRef;
  queries: Query[];
  unit?: string;
  min?: number;
  max?: number;
  /** A red line where the matching alert fires, so the graph shows how close it is. */
  alertAt?: number;
  /** Full width instead of half. */
  wide?: boolean;
  height?: number;
  options?: Record<string, unknown>;
  transformations?: unknown[];
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource: DatasourceRef;
  targets: Record<string, unknown>[];
  fieldConfig: { defaults: Record<string, unknown>; overrides: unknown[] };
  options: Record<string, unknown>;
  transformations?: unknown[];
}

const COLUMNS = 24;

function target(datasource: DatasourceRef, q: Query, i: number): Record<string, unknown> {
  const mode =
    datasource.type === 'loki'
      ? { queryType: 'range' }
      : q.table
        ? { instant: true, range: false, format: 'table' }
        : { instant: false, range: true };
  return {
    refId: String.fromCharCode(65 + i),
    datasource,
    expr: q.expr,
    ...(q.legend ? { legendFormat: q.legend } : {}),
    ...mode,
  };
}

function fieldDefaults(p: PanelSpec): Record<string, unknown> {
  return {
    ...(p.unit ? { unit: p.unit } : {}),
    ...(p.min !== undefined ? { min: p.min } : {}),
    ...(p.max !== undefined ? { max: p.max } : {}),
    ...(p.alertAt !== undefined
      ? {
          thresholds: {
            mode: 'absolute',
            steps: [
              { color: 'green', value: null },
              { color: 'red', value: p.alertAt },
            ],
          },
          custom: { thresholdsStyle: { mode: 'line' } },
        }
      : {}),
  };
}

/**
 * Lays panels out left to right, two to a row (full width when `wide`), and numbers them: a
 * dashboard's panel ids are unique and stable because they follow the order panels are added.
 */
export class PanelGrid {
  private readonly panels: Panel[] = [];
  private x = 0;
  private y = 0;
  private rowHeight = 0;

  add(p: PanelSpec): this {
    const w = p.wide ? COLUMNS : COLUMNS / 2;
    const h = p.height ?? 8;
    if (this.x + w > COLUMNS) {
      this.x = 0;
      this.y += this.rowHeight;
      this.rowHeight = 0;
    }
    this.panels.push({
      id: this.panels.length + 1,
      type: p.type,
      title: p.title,
      ...(p.description ? { description: p.description } : {}),
      gridPos: { x: this.x, y: this.y, w, h },
      datasource: p.datasource,
      targets: p.queries.map((q, i) => target(p.datasource, q, i)),
      fieldConfig: { defaults: fieldDefaults(p), overrides: [] },
      options: p.options ?? {},
      ...(p.transformations ? { transformations: p.transformations } : {}),
    });
    this.x += w;
    this.rowHeight = Math.max(this.rowHeight, h);
    return this;
  }

  done(): Panel[] {
    return [...this.panels];
  }
}

/** How the logs panels show lines: newest first, with time, expandable details. */
export const LOG_OPTIONS = {
  showTime: true,
  wrapLogMessage: true,
  sortOrder: 'Descending',
  enableLogDetails: true,
  dedupStrategy: 'none',
  prettifyLogMessage: false,
  showCommonLabels: false,
  showLabels: false,
};

/** Firing-alert tables keep the labels and drop the sample columns. */
export const ALERT_TABLE = {
  options: { showHeader: true, cellHeight: 'sm' },
  transformations: [
    {
      id: 'organize',
      options: { excludeByName: { Time: true, Value: true, __name__: true, alertstate: true } },
    },
  ],
};
