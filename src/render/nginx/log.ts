import { type Directive, d } from './block.ts';

/**
 * The access log: one JSON object a line, labelled with the project and service that answered, so
 * the log shipper can label the proxy's lines without parsing host names.
 */
export const LOG_FORMAT_NAME = 'stagecraft';

export const LOG_FORMAT =
  '{"time":"$time_iso8601","remote_addr":"$remote_addr","host":"$host","request":"$request","status":$status,' +
  '"bytes":$body_bytes_sent,"request_time":$request_time,"upstream_time":"$upstream_response_time",' +
  '"project":"$stagecraft_project","service":"$stagecraft_service","user_agent":"$http_user_agent"}';

/**
 * Sets the labels the log format reads. Every server sets them (a location may override them):
 * a variable that is read but never set costs a warning in the error log on every request.
 */
export function logLabels(project: string, service: string): Directive[] {
  return [d('set', '$stagecraft_project', project), d('set', '$stagecraft_service', service)];
}
