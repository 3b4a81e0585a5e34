// Beacon's dashboard: plain ES module, no build step. Every string that came from telemetry is
// put into the page with textContent, never as HTML.
const $ = (id) => document.getElementById(id);
// Windows are whole UTC days: today, and the 7 and 30 days that end today.
const CARD_LABELS = { active_1d: 'active today', active_7d: 'active, last 7 days', active_30d: 'active, last 30 days' };
let csrf = null;

const VIEWS = {
  overview: { title: 'Overview', panels: [
    { q: 'active', title: 'Active installations (UTC days)', cards: ['active_1d', 'active_7d', 'active_30d'] },
    { q: 'new-lost', title: 'New and lost installations per day', chart: 'line', x: 'day', series: ['new', 'lost'] },
  ]},
  versions: { title: 'Versions', panels: [
    { q: 'versions', title: 'Installations per version and day', chart: 'pivot', x: 'day', group: 'version', y: 'installations' },
  ]},
  platform: { title: 'Platform', panels: ['os', 'arch', 'runtime', 'cpus', 'memory', 'edition'].map((by) => (
    { q: 'breakdown?by=' + by, title: 'Installations by ' + (by === 'memory' ? 'memory (GiB)' : by), chart: 'bar', x: by, series: ['installations'] })) },
  features: { title: 'Features and plugins', panels: [
    { q: 'adoption', title: 'Adoption: % of the installations that reported', chart: 'bar', x: 'name', series: ['percent'] },
    { q: 'clusters', title: 'Clusters by number of nodes', chart: 'bar', x: 'nodes', series: ['clusters'] },
  ]},
  fields: { title: 'Field explorer', explorer: true },
  commands: { title: 'Commands', panels: [
    { q: 'commands', title: 'CLI commands: runs, success rate, duration (ms)' },
    { q: 'options', title: 'Option use', chart: 'bar', x: 'option', series: ['runs'] },
  ]},
  webui: { title: 'Web UI', panels: [
    { q: 'web-ui', title: 'Web UI per day: page views, logins, installations using it', chart: 'line', x: 'day', series: ['page_views', 'logins', 'installations'],
      empty: 'No web UI events yet: serve beacon.js from the product (UiRelay.script()) and mount beacon.uiRelay() at the path of its data-endpoint.' },
    { q: 'ui-routes', title: 'Top routes (templates): page views', chart: 'bar', x: 'route', series: ['views'] },
    { q: 'ui-routes-daily', title: 'Page views per day of the top routes', chart: 'pivot', x: 'day', group: 'route', y: 'views' },
  ]},
  health: { title: 'Health', panels: [
    { q: 'health', title: 'Units reported unhealthy per day', chart: 'line', x: 'day', series: ['unhealthy'] },
  ]},
  quarantine: { title: 'Quarantine', quarantine: true },
  data: { title: 'Data', data: true },
  settings: { title: 'Settings', settings: true },
};

async function api(path, options = {}) {
  const headers = Object.assign({ 'Accept': 'application/json', 'X-Beacon-Dashboard': '1' }, options.headers || {});
  if (options.method && options.method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  const res = await fetch(path, Object.assign({}, options, { headers, credentials: 'same-origin' }));
  if (res.status === 401) { showLogin(); throw new Error('not logged in'); }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.message || ('HTTP ' + res.status));
  return body;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
  }
  for (const c of children) if (c) e.append(c);
  return e;
}

function filters() {
  const p = new URLSearchParams({ days: $('days').value });
  if ($('version').value.trim()) p.set('version', $('version').value.trim());
  return p;
}

function fleetUrl(q, extra) {
  const [name, query] = q.split('?');
  const p = filters();
  new URLSearchParams(query || '').forEach((v, k) => p.set(k, v));
  if (extra) for (const [k, v] of Object.entries(extra)) p.set(k, v);
  return '/api/v1/products/' + encodeURIComponent($('product').value) + '/fleet/' + name + '?' + p;
}

function table(t, empty) {
  if (!t.rows.length) return el('p', { class: 'empty', text: empty || 'No data in this window.' });
  const numeric = t.columns.map((_, i) => typeof t.rows[0][i] === 'number');
  const head = el('tr', {}, ...t.columns.map((c, i) => el('th', { text: c, class: numeric[i] ? 'num' : '' })));
  const rows = t.rows.map((r) => el('tr', {}, ...r.map((v) => el('td', {
    class: typeof v === 'number' ? 'num' : '',
    text: v === null ? '—' : (typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(2) : String(v)),
  }))));
  return el('table', {}, el('thead', {}, head), el('tbody', {}, ...rows));
}

function chart(panel, t) {
  if (!panel.chart || !t.rows.length || !window.Chart) return null;
  const canvas = el('canvas', { 'aria-label': panel.title, role: 'img' });
  const box = el('div', { class: 'chart' }, canvas);
  const col = (name) => t.columns.indexOf(name);
  let labels; let datasets;
  if (panel.chart === 'pivot') {
    labels = [...new Set(t.rows.map((r) => r[col(panel.x)]))];
    const groups = [...new Set(t.rows.map((r) => r[col(panel.group)]))];
    datasets = groups.map((g) => ({ label: String(g), data: labels.map((x) => {
      const row = t.rows.find((r) => r[col(panel.x)] === x && r[col(panel.group)] === g);
      return row ? row[col(panel.y)] : 0;
    }) }));
  } else {
    labels = t.rows.map((r) => String(r[col(panel.x)] ?? '—'));
    datasets = panel.series.map((s) => ({ label: s, data: t.rows.map((r) => r[col(s)]) }));
  }
  new window.Chart(canvas, {
    type: panel.chart === 'bar' ? 'bar' : 'line',
    data: { labels, datasets },
    options: { maintainAspectRatio: false, animation: false, scales: { y: { beginAtZero: true, title: { display: true, text: panel.series ? panel.series.join(', ') : panel.y } } } },
  });
  return box;
}

async function panel(p) {
  const tools = el('span', { class: 'tools' }, el('a', { href: fleetUrl(p.q, { format: 'csv' }), text: 'CSV' }));
  const body = el('div', { class: 'loading', text: 'Loading…' });
  const box = el('div', { class: 'panel', 'data-query': p.q }, tools, el('h3', { text: p.title }), body);
  try {
    const t = await api(fleetUrl(p.q));
    body.replaceWith(p.cards ? cards(p, t) : el('div', {}, chart(p, t), table(t, p.empty)));
  } catch (e) { body.textContent = 'Could not load: ' + e.message; body.className = 'error'; }
  return box;
}

function cards(p, t) {
  const row = t.rows[0] || [];
  return el('div', { class: 'cards' }, ...p.cards.map((c, i) => el('div', { class: 'card', 'data-card': c },
    el('div', { class: 'value', text: String(row[i] ?? 0) }), el('div', { class: 'label', text: CARD_LABELS[c] || c }))));
}

async function render() {
  const name = (location.hash || '#overview').slice(1);
  const view = VIEWS[name] || VIEWS.overview;
  for (const a of $('nav').children) a.className = a.getAttribute('href') === '#' + name ? 'active' : '';
  const out = $('view');
  out.replaceChildren(el('h2', { text: view.title }));
  if (view.panels) for (const p of view.panels) out.append(await panel(p));
  if (view.explorer) explorer(out);
  if (view.quarantine) await quarantine(out);
  if (view.data) await dataControl(out);
  if (view.settings) await settings(out);
}

function explorer(out) {
  const input = el('input', { id: 'field-path', placeholder: 'vm_specs.num_cpus', value: 'vm_specs.num_cpus', size: '30' });
  const result = el('div');
  const go = el('button', { type: 'submit', class: 'primary', text: 'Show' });
  const form = el('form', { class: 'panel' }, el('label', { text: 'Report field ' }), input, go, result);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    result.replaceChildren(await panel({ q: 'field?path=' + encodeURIComponent(input.value.trim()), title: input.value.trim(), chart: 'bar', x: 'value', series: ['installations'] }));
  });
  out.append(form);
  form.requestSubmit();
}

async function quarantine(out) {
  const box = el('div', { class: 'panel' }, el('h3', { text: 'Events refused by validation (kept with their reason)' }));
  try {
    const data = await api('/api/v1/products/' + encodeURIComponent($('product').value) + '/quarantine');
    const t = { columns: ['id', 'received_at', 'reason', 'raw'], rows: data.events.map((e) => [e.id, e.received_at, e.reason, e.raw_truncated ? e.raw + ' …(' + e.raw_chars + ' characters)' : e.raw]) };
    box.append(table(t));
  } catch (e) { box.append(el('div', { class: 'error', text: 'Could not load: ' + e.message })); }
  out.append(box);
}

// Control of the stored data: export, erasure of one installation, and the audit log.
async function dataControl(out) {
  const product = $('product').value;
  const base = '/api/v1/products/' + encodeURIComponent(product);
  const days = $('days').value;
  const exports = el('div', { class: 'panel', id: 'export' }, el('h3', { text: 'Export ' + product + "'s events (every stored field, last " + days + ' days)' }),
    ...['jsonl', 'csv', 'parquet'].flatMap((f) => [el('a', { href: base + '/export?days=' + encodeURIComponent(days) + '&format=' + f, download: '', 'data-format': f, text: f.toUpperCase() }), ' ']),
    el('p', { class: 'hint', text: 'Scripts: GET ' + base + '/export?days=N&format=jsonl|csv|parquet with an API token (scope export), or ./beacon export.' }));
  const id = el('input', { id: 'erase-id', placeholder: 'installation id', size: '40', 'aria-label': 'Installation id to erase', required: '' });
  const sure = el('input', { id: 'erase-sure', type: 'checkbox', required: '' });
  const result = el('p', { class: 'notice', id: 'erase-result', role: 'status' });
  const form = el('form', { id: 'erase' }, el('label', { text: 'Installation ' }), id, ' ',
    el('label', {}, sure, ' I understand this cannot be undone '), el('button', { type: 'submit', class: 'danger', text: 'Erase' }), result);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const r = await api(base + '/installations/' + encodeURIComponent(id.value.trim()), { method: 'DELETE' });
      result.textContent = 'Erased: ' + r.deleted + ' events, ' + r.quarantined + ' quarantined, ' + r.rollup_rows + ' rollup rows.';
      id.value = ''; sure.checked = false;
      await auditLog(audit);
    } catch (err) { result.textContent = err.message; }
  });
  const erase = el('div', { class: 'panel' }, el('h3', { text: 'Erase an installation of ' + product }),
    el('p', { class: 'hint', text: 'Deletes its events, the quarantined events naming it, and what it added to every figure. The product can do it itself: control().forget(); its operator sees the id with ./beacon status.' }), form);
  const audit = el('div', { class: 'panel', id: 'audit' });
  await auditLog(audit);
  out.append(exports, erase, audit);
}

async function auditLog(box) {
  box.replaceChildren(el('h3', { text: 'Audit log (who erased what; no id is kept)' }));
  try {
    const t = await api('/api/v1/audit?limit=50');
    box.append(t.rows.length ? table(t) : el('p', { class: 'hint', text: 'Nothing erased yet.' }));
  } catch (e) { box.append(el('div', { class: 'error', text: 'Could not load: ' + e.message })); }
}

async function tokens(box, productNames) {
  box.replaceChildren(el('h3', { text: 'API tokens (read-only; shown once, kept hashed)' }));
  const notice = el('p', { class: 'notice', id: 'token-notice', role: 'status' });
  try {
    const list = await api('/api/v1/tokens');
    const rows = list.tokens.map((t) => {
      const revoke = el('button', { type: 'button', text: 'Revoke', 'data-revoke-token': t.id });
      revoke.addEventListener('click', async () => { await api('/api/v1/tokens/' + encodeURIComponent(t.id), { method: 'DELETE' }); await tokens(box, productNames); });
      return el('tr', {}, el('td', { text: t.name }), el('td', { text: t.products.join(', ') }), el('td', { text: ['read'].concat(t.scopes).join(', ') }), el('td', { text: t.expires }), el('td', {}, revoke));
    });
    box.append(el('table', {}, el('thead', {}, el('tr', {}, ...['name', 'products', 'may', 'expires', ''].map((h) => el('th', { text: h })))), el('tbody', {}, ...rows)));
  } catch (e) { box.append(el('div', { class: 'error', text: 'Could not load: ' + e.message })); }
  const name = el('input', { id: 'token-name', placeholder: 'name, e.g. grafana', size: '20', 'aria-label': 'Token name' });
  const which = el('select', { id: 'token-products', multiple: '', 'aria-label': 'Products the token may read' }, ...productNames.map((p) => el('option', { value: p, text: p })));
  const exp = el('input', { id: 'token-export', type: 'checkbox' });
  const era = el('input', { id: 'token-erase', type: 'checkbox' });
  const days = el('input', { id: 'token-days', type: 'number', min: '1', max: '3650', value: '90', 'aria-label': 'Days until it expires' });
  const form = el('form', { id: 'token-form' }, name, ' ', which, ' ', el('label', {}, exp, ' may export'), ' ', el('label', {}, era, ' may erase'), ' ',
    el('label', { text: '; expires in ' }), days, el('label', { text: ' days ' }), el('button', { type: 'submit', class: 'primary', text: 'Create token' }));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const scopes = []; if (exp.checked) scopes.push('export'); if (era.checked) scopes.push('erase');
      const r = await api('/api/v1/tokens', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: name.value.trim(), products: [...which.selectedOptions].map((o) => o.value), scopes, days: Number(days.value) }) });
      await tokens(box, productNames);
      $('token-notice').textContent = 'Token ' + r.name + ' (shown once; use it as Authorization: Bearer …): ' + r.token;
    } catch (err) { notice.textContent = err.message; }
  });
  box.append(form, notice);
}

async function settings(out) {
  const s = await api('/api/v1/products');
  const notice = el('p', { class: 'notice', id: 'settings-notice' });
  const rows = s.details.map((p) => {
    const actions = el('td');
    if (p.source === 'dashboard') {
      const rotate = el('button', { type: 'button', text: 'Rotate key', 'data-rotate': p.name });
      rotate.addEventListener('click', async () => {
        const r = await api('/api/v1/products/' + encodeURIComponent(p.name) + '/rotate', { method: 'POST' });
        notice.textContent = 'New write key for ' + r.name + ' (shown once): ' + r.write_key;
      });
      const revoke = el('button', { type: 'button', text: 'Revoke', 'data-revoke': p.name });
      revoke.addEventListener('click', async () => {
        await api('/api/v1/products/' + encodeURIComponent(p.name), { method: 'DELETE' });
        await render();
      });
      actions.append(rotate, ' ', revoke);
    } else {
      actions.textContent = 'set in the configuration';
    }
    return el('tr', {}, el('td', { text: p.name }), el('td', { text: p.source }), actions);
  });
  const products = el('table', {}, el('thead', {}, el('tr', {}, el('th', { text: 'product' }), el('th', { text: 'declared in' }), el('th', { text: '' }))), el('tbody', {}, ...rows));
  const name = el('input', { id: 'new-product', placeholder: 'product name', size: '20' });
  const create = el('form', {}, name, ' ', el('button', { type: 'submit', class: 'primary', text: 'Create product' }));
  create.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const r = await api('/api/v1/products', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: name.value.trim() }) });
      await render();
      $('settings-notice').textContent = 'Write key for ' + r.name + ' (shown once): ' + r.write_key;
    } catch (err) { notice.textContent = err.message; }
  });
  const k = el('input', { id: 'min-installations', type: 'number', min: '1', value: String(s.min_installations) });
  const days = el('input', { id: 'retention-days', type: 'number', min: '0', value: String(s.retention_days) });
  const save = el('form', {}, el('label', { text: 'Hide buckets under ' }), k, el('label', { text: ' installations; keep events ' }), days,
    el('label', { text: ' days (0: for ever) ' }), el('button', { type: 'submit', class: 'primary', text: 'Save' }));
  save.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api('/api/v1/settings', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ min_installations: Number(k.value), retention_days: Number(days.value) }) });
      notice.textContent = 'Saved.';
    } catch (err) { notice.textContent = err.message; }
  });
  const refused = el('div', { class: 'panel', id: 'refusals' });
  try {
    const r = await api('/api/v1/refusals');
    const hint = { unauthorized: 'a write key the server does not know, or none', too_large: 'over the size limits', rate_limited: 'over a rate limit', malformed: 'not valid JSON, or not the expected shape', unknown_path: 'no endpoint at that path', not_found: 'no such product or quarantined event', overloaded: 'the server was busy; clients retry', conflict: 'a change that conflicts' };
    refused.append(el('h3', { text: 'Requests refused since ' + r.since + ' (no keys or addresses kept)' }),
      table({ columns: ['reason', 'requests', 'what it means'], rows: Object.entries(r.reasons).map(([k, n]) => [k, n, hint[k] || '']) }));
  } catch (e) { refused.append(el('div', { class: 'error', text: 'Could not load refused requests: ' + e.message })); }
  const tokenBox = el('div', { class: 'panel', id: 'tokens' });
  await tokens(tokenBox, s.products);
  out.append(notice,
    el('div', { class: 'panel' }, el('h3', { text: 'Products and write keys' }), products, create),
    el('div', { class: 'panel' }, el('h3', { text: 'Privacy and retention' }), save),
    tokenBox,
    refused);
}

function showLogin() {
  $('login').hidden = false; $('filters').hidden = true; $('nav').hidden = true; $('view').replaceChildren();
}

async function start() {
  const s = await api('/api/v1/products');
  $('product').replaceChildren(...s.products.map((p) => el('option', { value: p, text: p })));
  $('login').hidden = true; $('filters').hidden = false; $('nav').hidden = false;
  $('nav').replaceChildren(...Object.entries(VIEWS).map(([k, v]) => el('a', { href: '#' + k, text: v.title })));
  await render();
}

$('login').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('login-error').textContent = '';
  const res = await fetch('/api/v1/session', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Beacon-Dashboard': '1' }, body: JSON.stringify({ password: $('password').value }) });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) { $('login-error').textContent = body.message || 'Could not log in'; return; }
  csrf = body.csrf; $('password').value = '';
  await start();
});
$('logout').addEventListener('click', async () => { await api('/api/v1/session', { method: 'DELETE' }).catch(() => {}); csrf = null; showLogin(); });
for (const id of ['product', 'days']) $(id).addEventListener('change', render);
$('version').addEventListener('change', render);
window.addEventListener('hashchange', render);

fetch('/api/v1/session', { headers: { 'Accept': 'application/json', 'X-Beacon-Dashboard': '1' } })
  .then((res) => res.json())
  .then(async (s) => { if (s.logged_in) { csrf = s.csrf; await start(); } else showLogin(); })
  .catch(showLogin);
