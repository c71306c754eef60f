import { SHARED_PORTS, sharedAddress, sharedContainer } from '../../model/index.ts';
import type { Spec } from '../../spec/index.ts';
import { LOKI_URL, lokiTenants, SHARED_TENANT } from '../loki/index.ts';
import { stableUid } from './uid.ts';

/** How a panel or query names its datasource. */
export interface DatasourceRef {
  type: 'prometheus' | 'loki' | 'alertmanager';
  uid: string;
}

export const PROMETHEUS: DatasourceRef = { type: 'prometheus', uid: 'prometheus' };
export const ALERTMANAGER: DatasourceRef = { type: 'alertmanager', uid: 'alertmanager' };

/** One Loki datasource per tenant: `loki-<tenant>` (hashed when that would pass Grafana's 40 chars). */
export function lokiDatasource(tenant: string): DatasourceRef {
  const uid = `loki-${tenant}`;
  return { type: 'loki', uid: uid.length <= 40 ? uid : stableUid(uid) };
}

/**
 * `provisioning/datasources/datasources.yml`: Prometheus, a Loki datasource per tenant (the tenant
 * travels as the `X-Scope-OrgID` header), and Alertmanager. `prune` drops the datasource of a
 * project that left the spec.
 */
export function datasourcesDoc(spec: Spec) {
  const m = spec.shared.monitoring;
  const datasources: Record<string, unknown>[] = [];
  if (m.prometheus !== false) {
    datasources.push({
      name: 'Prometheus',
      uid: PROMETHEUS.uid,
      type: 'prometheus',
      access: 'proxy',
      url: `http://${sharedAddress(spec, 'prometheus')}:${SHARED_PORTS.prometheus}`,
      isDefault: true,
      editable: false,
      jsonData: {
        httpMethod: 'POST',
        timeInterval: m.prometheus.scrapeInterval.toPrometheus(),
        manageAlerts: false,
        ...(m.alertmanager !== false ? { alertmanagerUid: ALERTMANAGER.uid } : {}),
      },
    });
  }
  if (m.loki !== false) {
    for (const tenant of lokiTenants(spec)) {
      // Without Prometheus, the shared stack's logs are the natural default.
      const isDefault = m.prometheus === false && tenant === SHARED_TENANT;
      datasources.push({
        name: `Loki ${tenant}`,
        uid: lokiDatasource(tenant).uid,
        type: 'loki',
        access: 'proxy',
        url: LOKI_URL,
        ...(isDefault ? { isDefault } : {}),
        editable: false,
        // The tenant ID is a routing key, not a secret; Grafana keeps header values in secureJsonData.
        jsonData: { httpHeaderName1: 'X-Scope-OrgID', maxLines: 1000, manageAlerts: false },
        secureJsonData: { httpHeaderValue1: tenant },
      });
    }
  }
  if (m.alertmanager !== false) {
    datasources.push({
      name: 'Alertmanager',
      uid: ALERTMANAGER.uid,
      type: 'alertmanager',
      access: 'proxy',
      url: `http://${sharedContainer('alertmanager')}:${SHARED_PORTS.alertmanager}`,
      editable: false,
      jsonData: { implementation: 'prometheus', handleGrafanaManagedAlerts: false },
    });
  }
  return { apiVersion: 1, prune: true, datasources };
}
