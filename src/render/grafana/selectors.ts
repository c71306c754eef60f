/** A label matcher with its value quoted as PromQL and LogQL read it (Go escapes; JSON's are a subset). */
export function matcher(label: string, op: '=' | '!=' | '=~' | '!~', value: string): string {
  return `${label}${op}${JSON.stringify(value)}`;
}

/** The dashboard variable the application dashboards filter by; Grafana writes it as a regex. */
export const SERVICE_VARIABLE = '$service';
