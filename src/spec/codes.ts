/**
 * Every diagnostic stagecraft reports about a spec, once: its code, severity, what it means, and
 * the message and hint templates (`{name}` is filled from the call's parameters). A code never
 * changes meaning; tests assert codes, users search for them, and the README lists them all
 * (reference.ts writes the table, test/spec/codes.test.ts checks it).
 *
 * Ranges: SC01 reading the file and its YAML, SC02 `${VAR}`, SC03 the schema, SC04 names, uses
 * and routes, SC05 networks and ports, SC06 env and secrets, SC07 services and the shared stack,
 * SC08 planning, SC09 limits.
 */

interface CodeEntry {
  readonly severity: 'error' | 'warning';
  /** One line for the README: what the code means. */
  readonly meaning: string;
  readonly message: string;
  /** A hint template whose parameters are all empty is left out. */
  readonly hint?: string;
}

export const CODES = {
  // SC01: the spec file and its YAML
  SC0101: {
    severity: 'error',
    meaning: 'the spec file does not exist',
    message: 'no such spec file',
    hint: 'give the path of a staging.yaml, such as examples/demo/staging.yaml',
  },
  SC0102: {
    severity: 'error',
    meaning: 'the spec path is a directory',
    message: 'is a directory, not a spec file',
    hint: 'give the path of the staging.yaml inside it',
  },
  SC0103: {
    severity: 'error',
    meaning: 'the spec path is a pipe, socket or device, not a regular file',
    message: 'is a {kind}, not a regular file',
    hint: 'stagecraft reads the spec from a regular file; save it to one first',
  },
  SC0104: {
    severity: 'error',
    meaning: 'the spec file cannot be read',
    message: 'cannot be read: {reason}',
    hint: 'check the permissions of the file and of its folders',
  },
  SC0105: {
    severity: 'error',
    meaning: 'the spec path is a symbolic link that loops or leads nowhere',
    message: 'is a symbolic link that {problem}',
    hint: 'point the link at the real file, or give that file',
  },
  SC0106: {
    severity: 'error',
    meaning: 'the spec file is larger than a spec may be',
    message: 'is {size} bytes; a spec may be at most {limit} bytes',
    hint: 'a spec that large is not a hand-written staging.yaml; check the path',
  },
  SC0107: {
    severity: 'error',
    meaning: 'the spec file is not UTF-8 text',
    message: 'is not UTF-8 text',
    hint: 'save the spec as UTF-8',
  },
  SC0110: {
    severity: 'error',
    meaning: 'the YAML cannot be parsed',
    message: 'malformed YAML: {detail}',
    hint: 'check the indentation and that every mapping entry is `key: value`',
  },
  SC0111: {
    severity: 'error',
    meaning: 'a key appears twice in one mapping (after `${VAR}` is filled)',
    message: 'key "{key}" appears twice in this mapping',
    hint: 'each key may appear once in a mapping',
  },
  SC0112: {
    severity: 'error',
    meaning: 'a tab is used for indentation',
    message: 'malformed YAML: {detail}',
    hint: 'indent with spaces, not tabs',
  },
  SC0113: {
    severity: 'error',
    meaning: 'an alias names no anchor defined before it',
    message: 'alias *{name} names no anchor defined before it',
    hint: 'define &{name} on an earlier value, or write the value out',
  },
  SC0114: {
    severity: 'error',
    meaning: 'aliases expand the document beyond the limit (an alias bomb)',
    message: 'aliases expand the spec to more than {limit} values',
    hint: 'write the values out, or nest fewer aliases inside anchors',
  },
  SC0115: {
    severity: 'error',
    meaning: 'the spec uses more aliases than the limit',
    message: 'the spec uses {count} aliases; at most {limit} are allowed',
    hint: 'write the values out',
  },
  SC0116: {
    severity: 'error',
    meaning: 'a merge key (`<<`) is not followed by a mapping, an alias of one, or a list of those',
    message: 'a merge key (<<) must be followed by a mapping, an alias of one, or a list of those',
    hint: 'write <<: *anchor where &anchor is on a mapping',
  },
  SC0117: {
    severity: 'error',
    meaning: 'the document is not a mapping',
    message: 'the spec must be a mapping with version, server and projects',
    hint: 'start from examples/demo/staging.yaml',
  },
  SC0118: {
    severity: 'error',
    meaning: 'a mapping key is a list, a mapping or null',
    message: 'a mapping key must be plain text',
    hint: 'write keys as plain words, such as web:',
  },
  SC0119: {
    severity: 'error',
    meaning: 'an alias inside the value its own anchor names (a value that contains itself)',
    message: 'alias *{name} is inside the value &{name} names, so it would contain itself',
    hint: 'anchor a value that is complete before the alias',
  },

  // SC02: ${VAR}
  SC0201: {
    severity: 'error',
    meaning: 'an environment variable the spec uses is not set',
    message: 'environment variable {name} is not set (used in {where})',
    hint: 'export {name}=… before running stagecraft, give a default as ${{name}:-value}, or write $${{name}} for a literal',
  },
  SC0202: {
    severity: 'error',
    meaning: 'a `${…}` reference is not a variable name',
    message: '"{text}" is not a valid variable reference',
    hint: 'write ${NAME} or ${NAME:-default}, NAME of letters, digits and _',
  },
  SC0203: {
    severity: 'error',
    meaning: 'a `${` is never closed',
    message: '"{text}" opens ${ without a closing }',
    hint: 'close it with }, or write $${ for a literal ${',
  },

  // SC03: the schema
  SC0301: {
    severity: 'error',
    meaning: 'a key the schema does not know (often a typo)',
    message: '{field}unknown key "{key}"{suggestion}',
  },
  SC0302: {
    severity: 'error',
    meaning: 'a required field is missing',
    message: '{field} is required',
    hint: 'add {key}: ({expected})',
  },
  SC0303: {
    severity: 'error',
    meaning: 'a value has the wrong type',
    message: '{field}expected {expected}, got {got}',
  },
  SC0304: {
    severity: 'error',
    meaning: 'a value is not one of the allowed words',
    message: '{field}must be {options}; got {got}',
    hint: '{suggestion}',
  },
  SC0305: {
    severity: 'error',
    meaning: 'a number, text or list is too small or too large',
    message: '{field}must be {bound}{got}',
  },
  SC0306: {
    severity: 'error',
    meaning: 'a service has no type, or a type stagecraft does not know',
    message: '{field}a service needs a type: one of {types}',
  },
  SC0307: {
    severity: 'error',
    meaning: 'a value does not parse (a size, duration, CPU count, network, host name, cron schedule…)',
    message: '{field}{detail}',
    hint: '{hint}',
  },
  SC0308: {
    severity: 'error',
    meaning: 'a path, volume name or image reference has characters outside its safe alphabet',
    message: '{field}{what} "{value}" may only hold {alphabet}',
    hint: 'such values reach shells and configuration files; rename it',
  },
  SC0309: {
    severity: 'error',
    meaning: 'a duration is zero or longer than makes sense for its field',
    message: '{field}{value} is {problem}',
    hint: 'use a duration between {min} and {max}',
  },
  SC0310: {
    severity: 'error',
    meaning: 'a rate limit nginx cannot hold (slower than 1 a minute or faster than 1,000,000 a second)',
    message: '{field}{value} is {problem}; nginx limits between 1 request a minute and 1,000,000 a second',
    hint: 'use a rate such as 100/min or 10/s',
  },

  // SC04: names, uses, routes
  SC0401: {
    severity: 'error',
    meaning: 'a project uses a name reserved for the shared stack',
    message: '"{name}" is reserved for the shared stack',
    hint: 'rename the project',
  },
  SC0402: {
    severity: 'error',
    meaning: 'a project or service name is not a DNS label',
    message: '{kind} name "{name}" is not DNS-safe',
    hint: 'use lowercase letters, digits and -, starting with a letter (such as web or beryl3)',
  },
  SC0403: {
    severity: 'error',
    meaning: 'a container name would be longer than 63 characters',
    message: '"{name}" is {length} characters; container names must be at most 63',
    hint: 'shorten the project or service name',
  },
  SC0404: {
    severity: 'error',
    meaning: 'two services would get the same container name',
    message: '{first} and {second} would both be named "{name}"',
    hint: 'rename one of them',
  },
  SC0410: {
    severity: 'error',
    meaning: '`uses` names no service of the project',
    message: '{user} uses "{target}", which is not a service of {project}',
    hint: 'services of {project}: {services}',
  },
  SC0411: {
    severity: 'error',
    meaning: '`uses` names a service of another project',
    message: '{user} uses "{target}", which is not a service of {project}',
    hint: '"{target}" belongs to project {owners}; projects cannot use each other\'s services',
  },
  SC0412: {
    severity: 'error',
    meaning: '`uses` names a service that cannot be used (a worker or cron)',
    message: '{user} uses {target}, a {type}; only postgres, redis, rabbitmq and app services can be used',
  },
  SC0413: {
    severity: 'error',
    meaning: '`uses` forms a cycle',
    message: 'uses forms a cycle in {project}: {cycle}',
    hint: 'start-up follows uses, so one of these must not use the other',
  },
  SC0420: {
    severity: 'error',
    meaning: 'two routes have the same host and path',
    message: 'route {route} of {owner} is already taken by {first}{across}',
    hint: 'give one of them another host or path',
  },

  SC0430: {
    severity: 'error',
    meaning: '`access` names a team that `teams:` does not define',
    message: 'project {project} gives access to team "{team}", which teams: does not define',
    hint: 'teams: {teams}',
  },
  SC0431: {
    severity: 'error',
    meaning: 'a team lists the same user twice',
    message: 'team {team} lists user "{user}" twice',
  },

  // SC05: networks and ports
  SC0501: {
    severity: 'error',
    meaning: 'the project pool overlaps the shared network',
    message: 'the project pool {projects} overlaps the shared network {shared}',
    hint: 'choose pools that do not overlap, such as shared 172.19.0.0/16 and projects 172.20.0.0/14',
  },
  SC0502: {
    severity: 'error',
    meaning: 'a project block is larger than the project pool',
    message: 'a project block of /{size} does not fit in the pool {pool}',
    hint: 'use a projectSize of at least {prefix}',
  },
  SC0503: {
    severity: 'error',
    meaning: 'a port range ends before it starts',
    message: 'the {kind} port range ends ({to}) before it starts ({from})',
  },
  SC0504: {
    severity: 'error',
    meaning: 'two port ranges overlap',
    message: 'the {kind} port range {range} overlaps the {other} range {otherRange}',
    hint: 'give each kind its own range: { from: N, to: M }',
  },
  SC0505: {
    severity: 'error',
    meaning: "a port range includes one of the proxy's ports",
    message: "the {kind} port range {range} includes the proxy's {name} port {port}",
  },
  SC0506: {
    severity: 'error',
    meaning: 'the proxy listens for HTTP and HTTPS on the same port',
    message: 'listen.http and listen.https are both {port}',
    hint: 'give HTTPS its own port, such as 443',
  },
  SC0507: {
    severity: 'error',
    meaning: 'a network is too small for the addresses it must hold',
    message: 'the {what} network {cidr} holds {available} addresses; it needs {needed}',
    hint: '{hint}',
  },

  SC0508: {
    severity: 'error',
    meaning: "the registry mirror's port is one of the proxy's ports",
    message: "shared.registryMirror.port {port} is also the proxy's {name} port",
    hint: 'give the mirror its own port, such as 5000',
  },

  // SC06: env and secrets
  SC0601: {
    severity: 'error',
    meaning: 'an env key is not a valid environment variable name',
    message: '"{key}" is not a valid environment variable name',
    hint: 'use letters, digits and _',
  },
  SC0602: {
    severity: 'error',
    meaning: 'an env entry whose name says secret holds a value',
    message: 'env {key} of {service} holds what looks like a secret value; secrets never go in the spec',
    hint: "remove it from env, add {key} to the service's secrets list and run `stagecraft secrets set {project} {key}` (value on standard input)",
  },
  SC0603: {
    severity: 'error',
    meaning: 'an env value is a URL with a password in it',
    message: 'env {key} of {service} is a URL with a password in it; secrets never go in the spec',
    hint: 'name the service in uses to get its URL injected, or store the URL with `stagecraft secrets set {project} {key}` and list {key} under secrets',
  },
  SC0604: {
    severity: 'error',
    meaning: 'a name is both an env value and a secret',
    message: '{key} is both an env value and a secret of {service}',
    hint: 'keep it in secrets only',
  },
  SC0605: {
    severity: 'error',
    meaning: 'a secret is listed twice',
    message: 'secret {name} is listed twice',
  },
  SC0606: {
    severity: 'error',
    meaning: 'a field that takes `{ secret: NAME }` holds a value written inline',
    message: '{field}a secret value is written inline; secrets never go in the spec',
    hint: 'write { secret: NAME } here and store the value with `stagecraft secrets set PROJECT NAME` (value on standard input)',
  },

  // SC07: services and the shared stack
  SC0701: {
    severity: 'error',
    meaning: "Let's Encrypt is chosen without an account email",
    message: 'tls: letsencrypt needs an account email for the ACME registration',
    hint: 'add server.acme.email (or shared.proxy.email), or use tls: selfsigned',
  },
  SC0702: {
    severity: 'error',
    meaning: 'two alert receivers have the same name',
    message: 'receiver {name} is defined twice',
  },
  SC0703: {
    severity: 'error',
    meaning: 'a webhook receiver with the local images (their Alertmanager cannot read it)',
    message:
      "receiver {name}: Debian's Alertmanager (0.25, the local image) cannot read a webhook URL from a secret file",
    hint: 'use images: registry (Alertmanager 0.26 or later), or an email or slack receiver',
  },
  SC0704: {
    severity: 'error',
    meaning: 'an alert receiver has no email, slack or webhook',
    message: 'receiver {name} sends nowhere',
    hint: 'give it email, slack or webhook',
  },
  SC0705: {
    severity: 'error',
    meaning: 'a project sends alerts to a receiver that is not defined',
    message: 'project {project} sends alerts to {receiver}, which is not a receiver',
    hint: '{hint}',
  },
  SC0706: {
    severity: 'error',
    meaning: 'a project has no services',
    message: 'project {project} has no services',
  },
  SC0707: {
    severity: 'error',
    meaning: 'an app, worker or cron has neither image nor build',
    message: '{service} needs an image or a build',
    hint: 'add image: REF or build: { context: DIR }',
  },
  SC0708: {
    severity: 'error',
    meaning: 'a service gives both image and build',
    message: '{service} gives both image and build',
    hint: 'keep one of them',
  },
  SC0709: {
    severity: 'error',
    meaning: 'a data service has more than one replica',
    message: '{service} is a {type}: it runs as one instance',
    hint: 'set replicas: 1 (or 0 to keep it stopped)',
  },
  SC0710: {
    severity: 'error',
    meaning: 'a project has no domain and the server none to derive it from',
    message: 'project {project} has no domain',
    hint: 'set projects.{project}.domain, or server.domain so it defaults to {project}.<server.domain>',
  },
  SC0711: {
    severity: 'error',
    meaning: 'previews start from a backup, but the project backs up no PostgreSQL service',
    message: 'project {project} has previews.data: from-backup but backs up no PostgreSQL service',
    hint: 'give a postgres service of {project} a backup:, or set previews.data: empty',
  },
  SC0712: {
    severity: 'error',
    meaning: 'a deploy analysis without Prometheus to read the figures from',
    message: 'project {project} analyses its deploys, but shared.monitoring.prometheus is false',
    hint: 'enable Prometheus, or remove projects.{project}.deploy.analysis',
  },
  SC0713: {
    severity: 'error',
    meaning: 'a deploy analysis error rate of 0% or 100% (every deploy, or none, would roll back)',
    message: 'an error rate of {rate} {problem}',
    hint: 'write the share of 5xx answers that means a bad release, such as 10%',
  },
  SC0714: {
    severity: 'error',
    meaning: 'a deploy analysis window shorter than two Prometheus scrapes (too few samples for a verdict)',
    message: 'a window of {window} holds fewer than two scrapes of {interval}',
    hint: 'make the window at least {least}, or shared.monitoring.prometheus.scrapeInterval shorter',
  },

  SC0715: {
    severity: 'warning',
    meaning: "images: { mirror } names this server's own registry mirror",
    message:
      "images.mirror {mirror} is this server's own registry mirror: the first up pulls before it runs, and it caches {upstream} only",
    hint: "run the first up with images: registry (or local), then switch; or point dockerd's registry-mirrors at http://127.0.0.1:{port}",
  },

  // SC08: planning
  SC0801: {
    severity: 'error',
    meaning: 'the project pool has no free block left',
    message: 'the project pool {pool} has no free /{prefix} block left for {project}',
    hint: 'widen network.projects or raise network.projectSize (smaller blocks)',
  },
  SC0802: {
    severity: 'error',
    meaning: 'a port range has no free port left',
    message: 'no free {kind} port left in {range} for {service}',
    hint: 'widen ports.{kind}: { from: {from}, to: {to} }',
  },
  SC0803: {
    severity: 'error',
    meaning: 'a project needs more addresses than its block gives',
    message: 'project {project} needs more addresses than a /{size} block gives',
    hint: 'lower network.projectSize (bigger blocks)',
  },
  SC0804: {
    severity: 'error',
    meaning: 'the limits add up to more than the server has',
    message: 'the environment reserves {used} of {what} but capacity - reserve is {available} ({share})',
    hint: 'largest: {largest}; lower limits or replicas, or raise server.capacity',
  },
  SC0805: {
    severity: 'warning',
    meaning: 'the limits add up to nearly all the server has',
    message: 'the environment reserves {used} of {what} but capacity - reserve is {available} ({share})',
    hint: 'largest: {largest}',
  },
  SC0806: {
    severity: 'error',
    meaning: 'a secret the spec names is not set',
    message: 'secret {name} of {user} (project {project}) is not set',
    hint: 'run `stagecraft secrets set {project} {name}` and type the value on standard input',
  },
  SC0807: {
    severity: 'error',
    meaning: 'the limits add up to more than the overcommit allows',
    message:
      'the environment reserves {used} of {what} but capacity - reserve is {available} ({share}), above the {overcommit}× of server.overcommit.{key} ({allowed})',
    hint: 'largest: {largest}; lower limits or replicas, or raise server.capacity',
  },
  SC0808: {
    severity: 'warning',
    meaning: 'the limits add up to more than the server has, within the overcommit',
    message:
      'the environment reserves {used} of {what} but capacity - reserve is {available} ({share}): overcommitted, within the {overcommit}× of server.overcommit.{key} ({allowed})',
    hint: 'largest: {largest}; limits are caps, so this runs, but services slow each other when all are busy',
  },
  SC0809: {
    severity: 'error',
    meaning: "a project's limits add up to more than its quota",
    message: "project {project}'s limits add up to {used} of {what}, above its quota of {quota}",
    hint: 'lower its limits or replicas, or raise projects.{project}.quota.{key}',
  },

  // SC09: limits
  SC0901: {
    severity: 'error',
    meaning: 'the spec has more services than the limit',
    message: 'the spec has {count} services; at most {limit} are allowed',
    hint: 'split the environment over several servers',
  },
  SC0902: {
    severity: 'error',
    meaning: 'a mapping has more keys than the limit',
    message: 'this mapping has {count} keys; at most {limit} are allowed',
    hint: 'a staging spec needs far fewer; check where it came from',
  },
  SC0903: {
    severity: 'error',
    meaning: 'a `uses` chain is longer than the limit',
    message: 'uses forms a chain of {length} services in {project}; at most {limit} are allowed',
    hint: 'start-up follows uses one step at a time; shorten the chain',
  },
  SC0904: {
    severity: 'error',
    meaning: 'a text value is longer than the limit',
    message: 'this value is {length} characters; at most {limit} are allowed',
    hint: 'a spec holds names and short settings, not documents',
  },
} as const satisfies Record<string, CodeEntry>;

export type Code = keyof typeof CODES;

/** The `{name}` parameters of a template (letters, the first lower-case, as `fill` reads them; `${NAME}` is text). */
type Placeholders<T extends string> = T extends `${string}{${infer K}}${infer Rest}`
  ? NameIn<K> | Placeholders<Rest>
  : never;
type NameIn<K extends string> = K extends `${string}{${infer Inner}` ? NameIn<Inner> : IsName<K>;
type IsName<K extends string> = K extends ''
  ? never
  : K extends `${string}${' ' | '"' | ':' | '-' | ',' | '.' | '<' | '>' | '$'}${string}`
    ? never
    : K extends Uncapitalize<K>
      ? K
      : never;
type TemplatesOf<C extends Code> = (typeof CODES)[C] extends { message: infer M; hint: infer H }
  ? (M & string) | (H & string)
  : (typeof CODES)[C]['message'];

/** The values a code's message and hint need, by name. */
export type Params<C extends Code> = Record<Placeholders<TemplatesOf<C>>, string | number>;

/** `{name}` → its value; `${{name}}` keeps the `${` and `}` around the value. */
export function fill(template: string, params: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{([a-z][A-Za-z]*)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}
