import type { Panel } from './panel.ts';
import { stableUid } from './uid.ts';

/** The dashboard schema version of Grafana 12 (the image the shared stack runs). */
export const SCHEMA_VERSION = 41;

export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  [field: string]: unknown;
}

/**
 * A dashboard's envelope. Its uid comes from `uidName`, so a link to it survives re-rendering;
 * it is read-only in the UI because the next render would overwrite edits.
 */
export function dashboard(opts: {
  title: string;
  uidName: string;
  description: string;
  tags: string[];
  panels: Panel[];
  variables?: unknown[];
}): Dashboard {
  return {
    uid: stableUid(opts.uidName),
    title: opts.title,
    description: opts.description,
    tags: ['stagecraft', ...opts.tags],
    timezone: 'browser',
    editable: false,
    graphTooltip: 1,
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    timepicker: {},
    annotations: { list: [] },
    links: [],
    templating: { list: opts.variables ?? [] },
    panels: opts.panels,
  };
}
