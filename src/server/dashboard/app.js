// The stagecraft dashboard: everything it shows comes from the API under /api/v1, with the token in
// the Authorization header (never in a URL, never in a cookie). Every value reaches the page as
// text (textContent, text nodes): nothing from the API is parsed as HTML.

const TOKEN_KEY = 'stagecraft-token';
const KEPT_EVENTS = 60;
const KEPT_LOG_LINES = 500;
const RETRY_MS = 2000;

const $ = (id) => document.getElementById(id);

/** An element with attributes (strings, or functions for `on…` handlers) and children (nodes or text). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  put(node, children);
  return node;
}

/** Appends children (nodes, text, nested lists; null, undefined and false are left out) as nodes and text. */
function put(node, ...children) {
  for (const child of children.flat(Number.POSITIVE_INFINITY)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** A link only to http(s) URLs: a value from the API never becomes a `javascript:` link. */
function link(url, text = url) {
  try {
    const u = new URL(url);
    if (u.protocol === 'http:' || u.protocol === 'https:')
      return el('a', { href: u.href, rel: 'noopener noreferrer', target: '_blank' }, text);
  } catch {}
  return el('span', {}, text);
}

// ---- the token -------------------------------------------------------------------------------

let token = sessionStorage.getItem(TOKEN_KEY) ?? localStorage.getItem(TOKEN_KEY);

function keepToken(value, remember) {
  token = value;
  (remember ? localStorage : sessionStorage).setItem(TOKEN_KEY, value);
}

function forgetToken() {
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(TOKEN_KEY);
}

class SignedOut extends Error {}

/** A JSON call to the API; 401 forgets the token and shows the sign-in form. */
async function api(path, init = {}) {
  const res = await fetch(`/api/v1${path}`, {
    ...init,
    headers: { ...init.headers, authorization: `Bearer ${token}` },
  });
  if (res.status === 401) {
    signOut('That token is not valid (revoked, or mistyped).');
    throw new SignedOut();
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok || body?.ok === false) throw new Error(body?.error ?? `HTTP ${res.status}`);
  return body;
}

/**
 * Reads a Server-Sent Events route with fetch (so the token travels in the header) until it ends
 * or `signal` aborts; `onEvent(name, data)` for each event with data.
 */
async function readStream(path, onEvent, signal, onOpen = () => {}) {
  const res = await fetch(`/api/v1${path}`, { headers: { authorization: `Bearer ${token}` }, signal });
  if (res.status === 401) {
    signOut('That token is not valid (revoked, or mistyped).');
    throw new SignedOut();
  }
  if (!res.ok) throw new Error((await res.json().catch(() => ({}))).error ?? `HTTP ${res.status}`);
  onOpen();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data += line.slice(5).replace(/^ /, '');
      }
      if (data) onEvent(name, JSON.parse(data));
    }
  }
}

// ---- formatting ------------------------------------------------------------------------------

function ago(iso) {
  if (!iso) return 'never';
  const s = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 90) return `${Math.round(s)} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 129600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}

function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(n < 10 && i ? 1 : 0)} ${units[i]}`;
}

const money = (amount, currency) => `${amount.toFixed(2)} ${currency}`;
const cpus = (n) => `${Number(n.toFixed(2))} CPU`;

function bar(label, used, limit, show) {
  const ratio = limit > 0 ? used / limit : 0;
  const level = ratio > 1 ? 'bad' : ratio > 0.85 ? 'warn' : '';
  return el(
    'div',
    { class: 'bar', role: 'meter', 'aria-label': label, 'aria-valuenow': used, 'aria-valuemax': limit },
    el('span', {}, label),
    el(
      'span',
      { class: 'track' },
      el('span', { class: `fill ${level}`, style: undefined, 'data-ratio': ratio.toFixed(3) }),
    ),
    el('span', { class: 'muted' }, `${show(used)} / ${show(limit)}`),
  );
}

/** The fill's width from its data-ratio (set through CSSOM: the page allows no inline style attribute). */
function sizeBars(root) {
  for (const fill of root.querySelectorAll('.fill[data-ratio]'))
    fill.style.width = `${Math.min(100, Number(fill.dataset.ratio) * 100)}%`;
}

/** One word for a service's or a project's replicas: ok, starting, down or unknown. */
function healthOf(replicas) {
  if (replicas === null) return { word: 'unknown', level: 'warn', title: 'the engine does not answer' };
  if (!replicas.length) return { word: 'not running', level: 'bad', title: 'no container' };
  if (replicas.some((r) => r.state !== 'running' || r.health === 'unhealthy'))
    return { word: 'down', level: 'bad', title: 'a replica is not running, or unhealthy' };
  if (replicas.some((r) => r.health === 'starting')) return { word: 'starting', level: 'warn', title: '' };
  return { word: 'ok', level: 'ok', title: `${replicas.length} running` };
}

function badge({ word, level, title }, testid) {
  return el('span', { class: `badge ${level}`, title, 'data-testid': testid }, word);
}

function projectHealth(detail) {
  if (!detail.engine.reachable) return healthOf(null);
  const services = detail.services.filter((s) => s.type !== 'cron');
  const all = services.map((s) => healthOf(s.health));
  return (
    all.find((h) => h.level === 'bad') ??
    all.find((h) => h.level === 'warn') ??
    healthOf([{ state: 'running' }])
  );
}

const verification = (b) =>
  b.verified === 'pass'
    ? el('span', { class: 'ok' }, 'verified')
    : b.verified === 'fail'
      ? el('span', { class: 'bad' }, 'verification failed')
      : el('span', { class: 'warn' }, 'not verified');

const mayEdit = (role) => role === 'editor' || role === 'admin';

// ---- views -----------------------------------------------------------------------------------

let server = null;
let leaveView = () => {};
/** What the open view does with a live event (redraw, show a deploy's phase). */
let onViewEvent = () => {};

async function overview(main) {
  const [projects, srv] = await Promise.all([api('/projects'), api('/server')]);
  server = srv;
  const details = await Promise.all(projects.map((p) => api(`/projects/${encodeURIComponent(p.name)}`)));
  const cards = details.map((d) => {
    const release = d.releases[0];
    const backup = d.backups[0];
    const limitCpus = d.budget.quota?.cpus ? d.budget.quota.cpus / 1000 : srv.budget.cpus.available;
    const limitBytes = d.budget.quota?.bytes ?? srv.budget.memoryBytes.available;
    const urls = d.services.flatMap((s) => s.urls);
    return el(
      'section',
      { class: 'card', 'data-testid': `project-${d.name}` },
      el(
        'h2',
        {},
        el('a', { href: `#/p/${encodeURIComponent(d.name)}` }, d.name),
        badge(projectHealth(d), 'health'),
        el('span', { class: 'muted' }, d.role),
      ),
      el(
        'dl',
        { class: 'facts' },
        el('dt', {}, 'Routes'),
        el('dd', {}, urls.length ? urls.map((u) => [link(u), ' ']) : el('span', { class: 'muted' }, 'none')),
        el('dt', {}, 'Last deploy'),
        el('dd', {}, release ? `${release.status}, ${ago(release.createdAt)}` : 'never'),
        el('dt', {}, 'Last backup'),
        el(
          'dd',
          {},
          backup ? [`${backup.service}, ${ago(backup.createdAt)}, `, verification(backup)] : 'none',
        ),
        el('dt', {}, 'Cost'),
        el(
          'dd',
          {},
          d.budget.cost ? `${money(d.budget.cost.monthly, d.budget.cost.currency)} a month` : 'not set',
        ),
      ),
      bar('CPU', d.budget.cpus, limitCpus, cpus),
      bar('Memory', d.budget.memoryBytes, limitBytes, bytes),
    );
  });
  const sharedHealth = srv.shared.health === null ? healthOf(null) : healthOf(srv.shared.health);
  put(
    main,
    el('h1', {}, `Environment ${srv.environment}`),
    projects.length
      ? el('div', { class: 'cards' }, cards)
      : el('p', {}, 'You have no role on any project: ask an admin to add your team to one.'),
    el(
      'section',
      { class: 'card', 'data-testid': 'server' },
      el(
        'h2',
        {},
        'Server',
        badge(sharedHealth, 'shared-health'),
        el('span', { class: 'muted' }, 'shared stack'),
      ),
      srv.shared.health?.length
        ? el(
            'p',
            { class: 'row' },
            srv.shared.health.map((r) => badge({ ...healthOf([r]), word: r.service }, `shared-${r.service}`)),
          )
        : null,
      bar('CPU', srv.budget.cpus.used, srv.budget.cpus.available, cpus),
      bar('Memory', srv.budget.memoryBytes.used, srv.budget.memoryBytes.available, bytes),
      el('h2', {}, 'Reserved by'),
      bar('shared', srv.shared.cpus, srv.budget.cpus.available, cpus),
      srv.budget.projects.map((p) => bar(p.name, p.cpus, srv.budget.cpus.available, cpus)),
      srv.budget.others.cpus ? bar('others', srv.budget.others.cpus, srv.budget.cpus.available, cpus) : null,
      srv.cost ? el('p', {}, `Monthly cost ${money(srv.cost.monthly, srv.cost.currency)}`) : null,
    ),
  );
  onViewEvent = (e) => {
    if (['deploy', 'rollback', 'up', 'backup', 'verify-restore', 'restore'].includes(e.kind)) redraw();
  };
}

async function projectPage(main, name) {
  const d = await api(`/projects/${encodeURIComponent(name)}`);
  const phases = el('ol', { class: 'phases', 'data-testid': 'phases' });
  const status = el('p', { role: 'status', 'data-testid': 'action-status' });
  const act = (label, path, body) => async (event) => {
    const button = event.currentTarget;
    if (!confirm(`${label}: are you sure?`)) return;
    button.disabled = true;
    status.textContent = `${label}…`;
    try {
      await api(`/projects/${encodeURIComponent(name)}/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      status.textContent = `${label}: done`;
      const fresh = await api(`/projects/${encodeURIComponent(name)}`);
      releaseBody.replaceChildren(...releaseRows(fresh.releases));
    } catch (e) {
      if (!(e instanceof SignedOut)) status.textContent = `${label} failed: ${e.message}`;
    } finally {
      button.disabled = false;
    }
  };

  const services = el(
    'div',
    { class: 'table-wrap' },
    el(
      'table',
      { 'data-testid': 'services' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ['Service', 'Type', 'Image', 'Replicas', 'Port', 'Routes'].map((h) => el('th', {}, h)),
        ),
      ),
      el(
        'tbody',
        {},
        d.services.map((s) =>
          el(
            'tr',
            {},
            el('td', {}, s.name),
            el('td', {}, s.type),
            el('td', {}, el('code', {}, s.image ?? '')),
            el(
              'td',
              {},
              s.health === null
                ? badge(healthOf(null))
                : s.health.length
                  ? s.health.map((r) => [
                      badge({ ...healthOf([r]), word: r.health ?? r.state, title: r.replica }),
                      ' ',
                    ])
                  : badge(healthOf([])),
            ),
            el('td', {}, s.port ?? ''),
            el(
              'td',
              {},
              s.urls.map((u) => [link(u), ' ']),
            ),
          ),
        ),
      ),
    ),
  );

  const releaseRows = (list) =>
    list.map((r) =>
      el(
        'tr',
        {},
        el('td', {}, el('code', { title: r.id }, r.id.slice(0, 8))),
        el('td', { title: r.createdAt }, ago(r.createdAt)),
        el('td', { class: r.status === 'succeeded' ? 'ok' : r.status === 'failed' ? 'bad' : '' }, r.status),
        el('td', {}, r.reason ?? ''),
      ),
    );
  const releaseBody = el('tbody', {}, releaseRows(d.releases));
  const releases = el(
    'div',
    { class: 'table-wrap' },
    el(
      'table',
      { 'data-testid': 'releases' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ['Release', 'When', 'Result', 'Why'].map((h) => el('th', {}, h)),
        ),
      ),
      releaseBody,
    ),
  );

  const backups = el(
    'div',
    { class: 'table-wrap' },
    el(
      'table',
      { 'data-testid': 'backups' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ['Backup', 'Service', 'When', 'Size', 'Verified', ''].map((h) => el('th', {}, h)),
        ),
      ),
      el(
        'tbody',
        {},
        d.backups.map((b) =>
          el(
            'tr',
            {},
            el('td', {}, el('code', { title: b.id }, b.id.length > 20 ? `${b.id.slice(0, 18)}…` : b.id)),
            el('td', {}, b.service),
            el('td', { title: b.createdAt }, ago(b.createdAt)),
            el('td', {}, bytes(b.bytes)),
            el('td', {}, verification(b)),
            el(
              'td',
              {},
              d.role === 'admin'
                ? el(
                    'button',
                    { type: 'button', onclick: act('Verify now', 'verify-restore', { from: b.id }) },
                    'Verify now',
                  )
                : null,
            ),
          ),
        ),
      ),
    ),
  );

  const logServices = d.services.filter((s) => s.type !== 'cron');
  const logs = el('pre', { class: 'logs', 'data-testid': 'logs', tabindex: '0' });
  const logState = el('span', { class: 'muted', 'data-testid': 'logs-state' });
  const picker = el(
    'select',
    { 'aria-label': 'service', 'data-testid': 'log-service' },
    logServices.map((s) => el('option', { value: s.name }, s.name)),
  );
  let following = new AbortController();
  const follow = async (since) => {
    following.abort();
    following = new AbortController();
    const mine = following;
    logState.textContent = 'connecting…';
    try {
      await readStream(
        `/projects/${encodeURIComponent(name)}/logs?service=${encodeURIComponent(picker.value)}&follow=1&since=${since}`,
        (kind, data) => {
          if (kind === 'line') {
            const atEnd = logs.scrollTop + logs.clientHeight >= logs.scrollHeight - 4;
            logs.append(`${data.container} | ${data.line}\n`);
            while (logs.childNodes.length > KEPT_LOG_LINES) logs.firstChild.remove();
            if (atEnd) logs.scrollTop = logs.scrollHeight;
          } else if (kind === 'error') logState.textContent = data.error;
        },
        mine.signal,
        () => {
          logState.textContent = 'following';
        },
      );
      if (!mine.signal.aborted) logState.textContent = 'the log ended (container replaced?): reconnecting';
    } catch (e) {
      if (mine.signal.aborted || e instanceof SignedOut) return;
      logState.textContent = `${e.message}: reconnecting`;
    }
    // The containers are replaced by a deploy or a rollback: follow the new ones, from now on.
    if (!mine.signal.aborted) setTimeout(() => !mine.signal.aborted && follow(0), RETRY_MS);
  };
  picker.addEventListener('change', () => {
    logs.replaceChildren();
    follow(300);
  });

  put(
    main,
    el(
      'h1',
      { class: 'row' },
      d.name,
      badge(projectHealth(d), 'health'),
      el('span', { class: 'muted', 'data-testid': 'role' }, `your role: ${d.role}`),
    ),
    d.engine.reachable ? null : el('p', { class: 'warn' }, `The engine does not answer: ${d.engine.error}`),
    el('section', { class: 'card' }, el('h2', {}, 'Services'), services),
    el(
      'section',
      { class: 'card' },
      el(
        'h2',
        { class: 'row' },
        'Releases',
        mayEdit(d.role)
          ? el(
              'button',
              {
                type: 'button',
                class: 'primary',
                'data-testid': 'rollback',
                onclick: act('Roll back to the previous release', 'rollback', {}),
              },
              'Roll back',
            )
          : null,
      ),
      status,
      releases,
    ),
    el('section', { class: 'card' }, el('h2', {}, 'Deploy in progress'), phases),
    el('section', { class: 'card' }, el('h2', { class: 'row' }, 'Logs', picker, logState), logs),
    el(
      'section',
      { class: 'card' },
      el('h2', {}, 'Backups'),
      d.backups.length ? backups : el('p', {}, 'none yet'),
    ),
  );
  if (logServices.length) follow(300);
  leaveView = () => following.abort();
  onViewEvent = (e) => {
    if (e.project !== name) return;
    if (e.kind === 'phase') phases.append(el('li', { title: e.at }, e.message));
    if (['deploy', 'rollback', 'up', 'backup', 'verify-restore', 'restore'].includes(e.kind)) {
      phases.append(el('li', { title: e.at, class: 'ok' }, e.message));
      // Keep the log stream and the phases: refresh the releases only.
      api(`/projects/${encodeURIComponent(name)}`).then(
        (fresh) => releaseBody.replaceChildren(...releaseRows(fresh.releases)),
        () => {},
      );
    }
  };
}

async function isolationPage(main) {
  const [entries, probe] = await Promise.all([api('/isolation'), api('/isolation/probe')]);
  const from = [...new Set(entries.map((e) => e.from))].sort();
  const to = [...new Set(entries.map((e) => e.to))].sort();
  const at = new Map(entries.map((e) => [`${e.from}\n${e.to}`, e]));
  put(
    main,
    el('h1', {}, 'Isolation'),
    el('p', { class: 'muted' }, 'Who may reach what, as planned: ✓ allowed, ✗ denied (hover for why).'),
    el(
      'section',
      { class: 'card table-wrap' },
      el(
        'table',
        { class: 'matrix', 'data-testid': 'isolation' },
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            el('th', {}, 'from \\ to'),
            to.map((t) => el('th', { scope: 'col' }, t)),
          ),
        ),
        el(
          'tbody',
          {},
          from.map((f) =>
            el(
              'tr',
              {},
              el('th', { scope: 'row' }, f),
              to.map((t) => {
                const e = at.get(`${f}\n${t}`);
                if (!e) return el('td', { class: 'muted' }, '');
                const why = `${e.why}${e.port ? ` (port ${e.port})` : ''}`;
                return el('td', { class: e.allowed ? 'ok' : 'bad', title: why }, e.allowed ? '✓' : '✗');
              }),
            ),
          ),
        ),
      ),
    ),
    lastProbe(probe),
  );
}

const PROBE_CLASS = { ok: 'ok', unenforced: 'warn', missing: 'bad', violation: 'bad' };

/** The last `verify isolation`: each pair tried, what the matrix expects, what the network did. */
function lastProbe(probe) {
  if (!probe)
    return el(
      'section',
      { class: 'card', 'data-testid': 'probe' },
      el('h2', {}, 'Last probe'),
      el('p', { class: 'muted' }, 'No run yet: stagecraft verify isolation probes the network.'),
    );
  return el(
    'section',
    { class: 'card table-wrap', 'data-testid': 'probe' },
    el('h2', {}, 'Last probe'),
    el(
      'p',
      { class: probe.holds ? 'ok' : 'bad', title: probe.at },
      `${probe.holds ? 'Isolation held' : 'Isolation did not hold'}, ${ago(probe.at)}`,
    ),
    el(
      'table',
      {},
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ['from', 'to', 'port', 'expected', 'reached', 'verdict'].map((h) => el('th', { scope: 'col' }, h)),
        ),
      ),
      el(
        'tbody',
        {},
        probe.rows.map((r) =>
          el(
            'tr',
            {},
            el('td', {}, r.from),
            el('td', {}, r.to),
            el('td', {}, String(r.port)),
            el('td', {}, r.expected),
            el('td', {}, `${r.reached} of ${r.tried}`),
            el('td', { class: PROBE_CLASS[r.verdict] ?? '', title: r.why }, r.verdict),
          ),
        ),
      ),
    ),
  );
}

// ---- the shell -------------------------------------------------------------------------------

let drawing = 0;

async function redraw() {
  const main = $('main');
  const mine = ++drawing;
  leaveView();
  leaveView = () => {};
  onViewEvent = () => {};
  const route = location.hash.replace(/^#/, '') || '/';
  const project = /^\/p\/([^/]+)$/.exec(route);
  const target = document.createElement('div');
  try {
    if (project) await projectPage(target, decodeURIComponent(project[1]));
    else if (route === '/isolation') await isolationPage(target);
    else await overview(target);
    if (mine !== drawing) return;
    sizeBars(target);
    main.replaceChildren(...target.childNodes);
  } catch (e) {
    if (e instanceof SignedOut || mine !== drawing) return;
    main.replaceChildren(el('p', { class: 'error' }, e.message));
  }
}

let events = new AbortController();

async function followEvents() {
  const list = $('events');
  const state = $('events-state');
  const mine = events;
  while (!mine.signal.aborted) {
    try {
      await readStream(
        '/events',
        (_, e) => {
          list.prepend(
            el(
              'li',
              { 'data-kind': e.kind },
              el('span', { class: 'muted', title: e.at }, new Date(e.at).toLocaleTimeString()),
              ' ',
              el('strong', {}, e.project ?? 'server'),
              ` ${e.kind}: `,
              e.message,
            ),
          );
          while (list.children.length > KEPT_EVENTS) list.lastChild.remove();
          onViewEvent(e);
        },
        mine.signal,
        () => {
          state.textContent = 'live';
        },
      );
    } catch (e) {
      if (e instanceof SignedOut) return;
    }
    if (mine.signal.aborted) return;
    state.textContent = 'reconnecting…';
    await new Promise((r) => setTimeout(r, RETRY_MS));
  }
}

function signOut(message = '') {
  forgetToken();
  events.abort();
  leaveView();
  leaveView = () => {};
  $('main').replaceChildren();
  $('events-panel').hidden = true;
  $('sign-out').hidden = true;
  $('who').textContent = '';
  $('sign-in').hidden = false;
  $('sign-in-error').textContent = message;
}

async function signedIn() {
  $('sign-in').hidden = true;
  $('sign-out').hidden = false;
  $('events-panel').hidden = false;
  events = new AbortController();
  followEvents();
  await redraw();
  if (server) $('who').textContent = `signed in as ${server.user}`;
  else
    api('/server').then(
      (s) => ($('who').textContent = `signed in as ${s.user}`),
      () => {},
    );
}

$('sign-in').addEventListener('submit', (e) => {
  e.preventDefault();
  keepToken($('token').value.trim(), $('remember').checked);
  $('token').value = '';
  signedIn();
});
$('sign-out').addEventListener('click', () => signOut());
window.addEventListener('hashchange', () => token && redraw());

if (token) signedIn();
else signOut();
