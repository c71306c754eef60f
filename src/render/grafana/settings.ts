import type { Spec } from '../../spec/index.ts';
import { DASHBOARDS_DIR } from './provider.ts';

/** The admin password's file inside the container; compose mounts the secret there. */
export const ADMIN_PASSWORD_SECRET = 'GRAFANA_ADMIN_PASSWORD';
export const ADMIN_PASSWORD_FILE = `/run/secrets/${ADMIN_PASSWORD_SECRET}`;

/**
 * Grafana's settings as `GF_<SECTION>_<KEY>` environment variables for the container, so no
 * grafana.ini is needed. The admin password is read from a file (`__FILE`), never set inline.
 */
export function grafanaEnvironment(spec: Spec): Record<string, string> {
  const https = spec.shared.proxy.tls !== 'none';
  return {
    GF_SECURITY_ADMIN_USER: 'admin',
    GF_SECURITY_ADMIN_PASSWORD__FILE: ADMIN_PASSWORD_FILE,
    GF_SECURITY_COOKIE_SECURE: String(https),
    GF_SECURITY_DISABLE_GRAVATAR: 'true',
    GF_USERS_ALLOW_SIGN_UP: 'false',
    GF_AUTH_ANONYMOUS_ENABLED: 'false',
    GF_ANALYTICS_REPORTING_ENABLED: 'false',
    GF_ANALYTICS_CHECK_FOR_UPDATES: 'false',
    GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES: 'false',
    GF_NEWS_NEWS_FEED_ENABLED: 'false',
    GF_PATHS_PROVISIONING: '/etc/grafana/provisioning',
    GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH: `${DASHBOARDS_DIR}/shared/infrastructure.json`,
    ...(spec.server.domain
      ? { GF_SERVER_ROOT_URL: `${https ? 'https' : 'http'}://grafana.${spec.server.domain}/` }
      : {}),
  };
}
