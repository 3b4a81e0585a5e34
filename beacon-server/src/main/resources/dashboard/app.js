// Beacon's dashboard: plain ES module, no build step. Every string that came from telemetry is
// put into the page with textContent, never as HTML. The view and its filters live in the URL's
// hash (#view?product=…&days=…&version=…&a=…&b=…), so a link shows a colleague the same view and
// back/forward walk through what was looked at.
const $ = (id) => document.getElementById(id);
let csrf = null;

// ---- Formatting: numbers for people, one place.
const NUM = new Intl.NumberFormat('en-US');
function duration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return Math.round(ms) + ' ms';
  if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s';
  if (ms < 3600000) return (ms / 60000).toFixed(1) + ' min';
  return (ms / 3600000).toFixed(1) + ' h';
}
const FORMAT = {
  int: (v) => NUM.format(v),
  pct: (v) => v.toFixed(1) + ' %',
  rate: (v) => (v * 100).toFixed(1) + ' %',
  ms: duration,
  days: (v) => v + (v === 1 ? ' day' : ' days'),
  change: (v) => (v > 0 ? '▲ +' : v < 0 ? '▼ ' : '± ') + v.toFixed(1) + ' %',
  cores: (v) => (/^\d+$/.test(v) ? v + (v === '1' ? ' core' : ' cores') : v),
  gib: (v) => (/^\d+$/.test(v) ? v + ' GiB' : v),
  text: (v) => String(v),
};
// Each column's format by its name; numbers not named here are counts.
const COLUMN_FORMAT = {
  success_rate: 'rate', p50_ms: 'ms', p95_ms: 'ms', p99_ms: 'ms', percent: 'pct', percent_now: 'pct',
  peak_percent: 'pct', change_percent: 'change', days_to_10: 'days', days_to_50: 'days', days_to_90: 'days',
  week_1: 'pct', week_2: 'pct', week_4: 'pct', week_8: 'pct', week_12: 'pct', cpus: 'cores', memory: 'gib',
};
const HEADERS = {
  active_1d: 'active that day', active_7d: 'active in 7 days', active_30d: 'active in 30 days',
  success_rate: 'success', p50_ms: 'p50', p95_ms: 'p95', p99_ms: 'p99', percent_now: 'share now',
  peak_percent: 'peak share', days_to_10: 'days to 10 %', days_to_50: 'days to 50 %', days_to_90: 'days to 90 %',
  from_version: 'from', to_version: 'to', previous_window: 'previous window', change_percent: 'change',
  cohort_week: 'first seen (week of)', week_1: 'after 1 week', week_2: '2 weeks', week_4: '4 weeks',
  week_8: '8 weeks', week_12: '12 weeks', exit_code: 'exit code', first_day: 'first day', percent: 'share',
};
// Column names can be telemetry (a pivot's versions): only a table's own keys are looked up.
const own = (table, key) => (Object.hasOwn(table, key) ? table[key] : undefined);
function cell(column, v, format) {
  if (v === null || v === undefined) return column.startsWith('days_to') ? 'not yet' : '—';
  const f = format || own(COLUMN_FORMAT, column) || (typeof v === 'number' ? (Number.isInteger(v) ? 'int' : 'pct') : 'text');
  return FORMAT[f](v);
}
const header = (c) => own(HEADERS, c) || c.replace(/_/g, ' ');

// ---- State in the URL.
function state() {
  const [view, query] = (location.hash || '#overview').slice(1).split('?');
  const p = new URLSearchParams(query || '');
  return { view: VIEWS[view] ? view : 'overview', product: p.get('product'), days: p.get('days') || '30',
    version: p.get('version') || '', a: p.get('a') || '', b: p.get('b') || '' };
}
function hashFor(view, changes = {}) {
  const s = Object.assign(state(), { product: $('product').value, days: $('days').value, version: $('version').value.trim() }, changes);
  const p = new URLSearchParams();
  for (const k of ['product', 'days', 'version', 'a', 'b']) if (s[k]) p.set(k, s[k]);
  return '#' + view + '?' + p;
}
function go(changes) {
  const next = hashFor(state().view, changes);
  if (next !== location.hash) location.hash = next; else render();
}

// ---- Views: each panel asks one query; panels load side by side and fail alone.
const SEND = {
  any: 'Nothing in this window yet. The SDK sends a report ~10 s after beacon.start(), then weekly; or POST /v1/batch with a write key.',
  versions: 'No versions yet: give the SDK the product\'s version, Beacon.builder("…").version("1.2.3"); events without one are not drawn.',
  features: 'No plugins or features reported: put them in the report, .section("features", flags::enabledNames) or active_plugins as EMQX does.',
  commands: 'No CLI runs yet: beacon-sdk-picocli sends them (BeaconPicocli.execute(…)), or beacon.startCommand("app build", options) … run.exited(code).',
  health: 'No health events: the cluster agent sends them (beacon-sdk-dcos, DcosSignal.health()), health-unit-<unit>-unhealthy counts.',
  upgrades: 'No upgrades in this window: an installation that reports a newer version counts here.',
  retention: 'No installation was first seen in this window. Choose 90 days or a year for the longer weeks.',
};
const VIEWS = {
  overview: { title: 'Growth', panels: [
    { q: 'growth', title: 'This window against the one before', render: growthCards, table: 'show' },
    { q: 'activity', title: 'Active installations (UTC days)', chart: 'line', x: 'day', series: ['active_1d', 'active_7d', 'active_30d'], empty: SEND.any },
    { q: 'new-lost', title: 'New and lost installations per day (lost: silent for a week since)', chart: 'bar', x: 'day', series: ['new', 'lost'], empty: SEND.any },
  ]},
  versions: { title: 'Releases', panels: [
    { q: 'version-share', title: 'Version share of the active installations', chart: 'area', x: 'day', group: 'version', y: 'percent', empty: SEND.versions },
    { q: 'version-share', id: 'adoption-curves', title: 'Adoption curves: each release\'s share by days since its first day in the window', chart: 'line', x: 'days_since', group: 'version', y: 'percent', percent: true, transform: sinceFirstDay, empty: SEND.versions },
    { q: 'releases', title: 'Adoption of each release: days from its first day (in the window) to 10, 50 and 90 %', table: 'show', empty: SEND.versions },
    { q: 'upgrades', title: 'Upgrade paths in the window', table: 'show', chart: 'hbar', label: (r, c) => r[c('from_version')] + ' → ' + r[c('to_version')], series: ['installations'], empty: SEND.upgrades },
  ]},
  retention: { title: 'Retention', panels: [
    { q: 'retention', title: 'Weekly cohorts: share still active after 1, 2, 4, 8 and 12 weeks', render: retentionTable, empty: SEND.retention },
  ]},
  platform: { title: 'Platform', panels: ['os', 'arch', 'runtime', 'cpus', 'memory', 'edition'].map((by) => (
    { q: 'breakdown?by=' + by, title: 'Installations by ' + ({ cpus: 'CPU cores', memory: 'memory', runtime: 'runtime' }[by] || by), chart: 'hbar', x: by, series: ['installations'], tail: true, empty: SEND.any })) },
  features: { title: 'Features and plugins', panels: [
    { q: 'adoption', title: 'Adoption now: share of the installations that reported', chart: 'hbar', label: (r, c) => r[c('name')] + ' (' + r[c('kind')] + ')', series: ['percent'], percent: true, empty: SEND.features },
    { q: 'feature-trend', title: 'Adoption over time (share of the installations reporting)', chart: 'line', x: 'day', group: 'name', y: 'percent', percent: true, since: true, empty: SEND.features },
    { q: 'feature-versions', title: 'Adoption by version', render: (p, t) => pivot(t, 'name', 'version', 'percent'), empty: SEND.features },
    { q: 'clusters', title: 'Clusters by number of nodes', chart: 'bar', x: 'nodes', label: (r, c) => r[c('nodes')] + (r[c('nodes')] === 1 ? ' node' : ' nodes'), series: ['clusters'], empty: 'No clusters: reports name one with context.clusterId (the cluster agent does).' },
  ]},
  fields: { title: 'Field explorer', explorer: true },
  commands: { title: 'CLI', panels: [
    { q: 'commands', title: 'Commands in the window', render: commandTable, empty: SEND.commands },
    { q: 'command-trend', title: 'p95 duration per day', chart: 'line', x: 'day', group: 'command', y: 'p95_ms', empty: SEND.commands },
    { q: 'command-trend', title: 'Success rate per day', chart: 'line', x: 'day', group: 'command', y: 'success_rate', rate: true, empty: SEND.commands, id: 'success-trend' },
    { q: 'command-versions', title: 'By version: p95 duration (marked: 50 % slower than the command\'s best version, over 30 runs or more)', render: (p, t) => pivot(t, 'command', 'version', 'p95_ms', 'slower', 'runs'), empty: SEND.commands },
    { q: 'command-versions', title: 'By version: success rate (marked: 5 points under the command\'s best version, over 30 runs or more)', render: (p, t) => pivot(t, 'command', 'version', 'success_rate', 'lower', 'runs'), empty: SEND.commands, id: 'success-versions' },
    { q: 'exit-codes', title: 'Failures by exit code', table: 'show', empty: 'No failed runs in this window.' },
    { q: 'options', title: 'Option use', chart: 'hbar', x: 'option', series: ['runs'], empty: SEND.commands },
  ]},
  webui: { title: 'Web UI', panels: [
    { q: 'web-ui', title: 'Web UI per day: page views, logins, installations using it', chart: 'line', x: 'day', series: ['page_views', 'logins', 'installations'],
      empty: 'No web UI events yet: serve beacon.js from the product (UiRelay.script()) and mount beacon.uiRelay() at the path of its data-endpoint.' },
    { q: 'ui-routes', title: 'Top routes (templates): page views', chart: 'hbar', x: 'route', series: ['views'], empty: 'No page views yet.' },
    { q: 'ui-routes-daily', title: 'Page views per day of the top routes', chart: 'line', x: 'day', group: 'route', y: 'views', empty: 'No page views yet.' },
  ]},
  health: { title: 'Health', panels: [
    { q: 'health', title: 'Units reported unhealthy per day', chart: 'line', x: 'day', series: ['unhealthy', 'reporting'], empty: SEND.health },
    { q: 'health-units', title: 'The worst units in the window', table: 'show', chart: 'hbar', x: 'unit', series: ['unhealthy'], empty: SEND.health },
  ]},
  compare: { title: 'Compare versions', compare: true },
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
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

function filters(extra) {
  const p = new URLSearchParams({ days: $('days').value });
  if ($('version').value.trim()) p.set('version', $('version').value.trim());
  if (extra) for (const [k, v] of Object.entries(extra)) { if (v === null) p.delete(k); else p.set(k, v); }
  return p;
}

function fleetUrl(q, extra) {
  const [name, query] = q.split('?');
  const p = filters(extra);
  new URLSearchParams(query || '').forEach((v, k) => p.set(k, v));
  return '/api/v1/products/' + encodeURIComponent($('product').value) + '/fleet/' + name + '?' + p;
}

// A table of an answer; each cell keeps its raw value in data-value (the browser test reads it).
// formats: a column's format by its index, when its name does not say it (a pivot's versions).
function table(t, empty, mark, formats) {
  if (!t.rows.length) return el('p', { class: 'empty', text: empty || 'No data in this window.' });
  const formatOf = (i) => (formats ? formats(i) : undefined);
  const numeric = t.columns.map((c, i) => ['pct', 'rate', 'ms', 'days', 'change'].includes(formatOf(i) || own(COLUMN_FORMAT, c)) || t.rows.some((r) => typeof r[i] === 'number'));
  const head = el('tr', {}, ...t.columns.map((c, i) => el('th', { text: header(c), scope: 'col', class: numeric[i] ? 'num' : '' })));
  const rows = t.rows.map((r, ri) => el('tr', {}, ...r.map((v, i) => el('td', {
    class: (numeric[i] ? 'num' : '') + (mark && mark(ri, i) ? ' worse' : ''),
    'data-value': v === null ? '' : String(v),
    text: cell(t.columns[i], v, formatOf(i)),
  }))));
  // An answer as the API gave it says where from (the browser test compares the two).
  return el('table', t.source ? { 'data-source': t.source } : {}, el('thead', {}, head), el('tbody', {}, ...rows));
}

// The table behind a "Show data" toggle, under a chart.
function dataBox(t, empty) {
  return el('details', { class: 'data' }, el('summary', { text: 'Show data (' + NUM.format(t.rows.length) + ' rows)' }), table(t, empty));
}

const col = (t) => (name) => t.columns.indexOf(name);

// ---- Charts (Chart.js, vendored), each with a sentence that says what it shows.
function chart(p, t) {
  if (!p.chart || !t.rows.length || !window.Chart) return null;
  const c = col(t);
  const scale = (v) => (v === null || v === undefined ? null : p.rate ? v * 100 : v);
  let labels; let datasets;
  if (p.group) {
    labels = [...new Set(t.rows.map((r) => r[c(p.x)]))];
    const groups = [...new Set(t.rows.map((r) => r[c(p.group)]))];
    const at = new Map(t.rows.map((r) => [r[c(p.x)] + '\u0000' + r[c(p.group)], r[c(p.y)]]));
    datasets = groups.map((g) => ({ label: g === null ? '(none)' : String(g), data: labels.map((x) => scale(at.has(x + '\u0000' + g) ? at.get(x + '\u0000' + g) : (p.chart === 'area' ? 0 : null))),
      fill: p.chart === 'area', spanGaps: true, pointRadius: 0 }));
  } else {
    let rows = t.rows;
    if (p.tail && rows.length > 10) {
      const other = rows.slice(9).reduce((n, r) => n + r[c(p.series[0])], 0);
      rows = rows.slice(0, 9).concat([[...rows[0].map(() => null)]]);
      rows[9][c(p.x)] = 'other (' + (t.rows.length - 9) + ')'; rows[9][c(p.series[0])] = other;
    }
    labels = rows.map((r) => (p.label ? p.label(r, c) : cell(p.x, r[c(p.x)] ?? '—')));
    datasets = p.series.map((s) => ({ label: header(s), data: rows.map((r) => scale(r[c(s)])), pointRadius: 0 }));
  }
  // Today has only begun: its segment is dashed, and the text says so.
  const today = new Date().toISOString().slice(0, 10);
  const partial = p.x === 'day' && labels[labels.length - 1] === today;
  if (partial && p.chart !== 'bar') {
    for (const d of datasets) d.segment = { borderDash: (ctx) => (ctx.p1DataIndex === labels.length - 1 ? [5, 4] : undefined) };
  }
  const summary = describe(p, labels, datasets) + (partial ? ' Today (' + today + ') has only begun.' : '');
  const canvas = el('canvas', { role: 'img', 'aria-label': p.title + '. ' + summary });
  const box = el('div', { class: p.chart === 'hbar' ? 'chart hbar' : 'chart' }, canvas);
  if (p.chart === 'hbar') box.style.height = Math.max(120, 28 * labels.length + 40) + 'px';
  const percent = p.percent || p.rate || p.chart === 'area';
  const valueAxis = { beginAtZero: true, stacked: p.chart === 'area', max: percent ? 100 : undefined,
    ticks: { callback: (v) => (percent ? v + ' %' : p.y && p.y.endsWith('_ms') ? duration(v) : NUM.format(v)) } };
  new window.Chart(canvas, {
    type: p.chart === 'hbar' ? 'bar' : p.chart === 'bar' ? 'bar' : 'line',
    data: { labels, datasets },
    options: {
      maintainAspectRatio: false, animation: false, indexAxis: p.chart === 'hbar' ? 'y' : 'x',
      interaction: { mode: 'index', intersect: false },
      plugins: { legend: { display: datasets.length > 1 }, tooltip: { callbacks: { label: (ctx) => ctx.dataset.label + ': ' + tip(p, ctx.parsed[p.chart === 'hbar' ? 'x' : 'y']) } } },
      scales: p.chart === 'hbar' ? { x: valueAxis } : { y: valueAxis },
    },
  });
  return el('div', {}, box, el('p', { class: 'summary', text: summary }));
}

function tip(p, v) {
  if (v === null || v === undefined) return '—';
  if (p.percent || p.rate || p.chart === 'area') return v.toFixed(1) + ' %';
  if (p.y && p.y.endsWith('_ms')) return duration(v);
  return NUM.format(v);
}

// The chart's text alternative: its last point per series, or its largest bars.
function describe(p, labels, datasets) {
  const top = (pairs) => pairs.filter((x) => x[1] !== null).sort((a, b) => b[1] - a[1]).slice(0, 5).map(([l, v]) => l + ' ' + tip(p, v)).join(', ');
  if (p.chart === 'hbar' || (p.chart === 'bar' && !String(labels[0]).match(/^\d{4}-\d\d-\d\d$/))) {
    return 'Largest: ' + top(labels.map((l, i) => [l, datasets[0].data[i]])) + '.';
  }
  const last = labels.length - 1;
  return 'From ' + labels[0] + ' to ' + labels[last] + '. On ' + labels[last] + ': ' + top(datasets.map((d) => [d.label, d.data[last]])) + '.';
}

// ---- Panels.
async function panel(p) {
  const csv = el('a', { href: fleetUrl(p.q, { format: 'csv' }), text: 'CSV', 'aria-label': 'CSV of ' + p.title });
  const body = el('div', { class: 'loading', text: 'Loading…', role: 'status' });
  const box = el('section', { class: 'panel', 'data-query': p.id || p.q.split('?')[0] + (p.q.includes('?') ? '-' + p.q.split('=')[1] : '') }, el('span', { class: 'tools' }, csv), el('h3', { text: p.title }), body);
  const started = performance.now();
  (async () => {
    try {
      let t = await api(fleetUrl(p.q));
      if (p.transform) t = p.transform(t); else t.source = fleetUrl(p.q);
      let content;
      // A chart of nothing but zeros (days without a single installation) says nothing either.
      const nothing = !t.rows.length || (p.chart && t.rows.every((r) => r.every((v) => typeof v !== 'number' || v === 0)));
      if (nothing && !p.render) content = el('p', { class: 'empty', text: p.empty || 'No data in this window.' });
      else if (p.render) content = t.rows.length ? p.render(p, t) : el('p', { class: 'empty', text: p.empty || 'No data in this window.' });
      else if (p.chart) content = el('div', {}, chart(p, t), p.since ? sinceLine(t) : null, p.table === 'show' ? table(t, p.empty) : dataBox(t, p.empty));
      else content = table(t, p.empty);
      body.replaceWith(content);
    } catch (e) {
      body.replaceWith(el('div', { class: 'error', role: 'alert', text: 'Could not load this panel: ' + e.message }));
    }
    box.setAttribute('data-ms', String(Math.round(performance.now() - started)));
  })();
  return box;
}

function growthCards(p, t) {
  const c = col(t);
  const labels = { active: 'installations active in the window', new: 'new installations (first seen)', lost: 'lost (last seen, silent a week since)' };
  return el('div', {}, el('div', { class: 'cards' }, ...t.rows.map((r) => {
    const change = r[c('change_percent')];
    const good = r[c('figure')] === 'lost' ? change < 0 : change > 0;
    return el('div', { class: 'card', 'data-card': r[c('figure')] },
      el('div', { class: 'value', text: NUM.format(r[c('window')]) }),
      el('div', { class: 'label', text: labels[r[c('figure')]] || r[c('figure')] }),
      el('div', { class: 'change ' + (change === null || change === 0 ? '' : good ? 'good' : 'bad'),
        text: (change === null ? 'none in the previous window' : FORMAT.change(change) + ' on the previous window (' + NUM.format(r[c('previous_window')]) + ')') }));
  })), dataBox(t));
}

function retentionTable(p, t) {
  const weekCols = t.columns.filter((x) => x.startsWith('week_'));
  const tbl = table(t);
  tbl.classList.add('heat');
  // Shade each share by its size; the text says the figure, the shade only helps reading.
  tbl.querySelectorAll('tbody tr').forEach((tr) => {
    weekCols.forEach((w) => {
      const td = tr.children[t.columns.indexOf(w)];
      const v = td.getAttribute('data-value');
      if (v !== '') td.style.backgroundColor = 'rgba(37, 99, 235, ' + (Number(v) / 100 * 0.55).toFixed(3) + ')';
    });
  });
  return el('div', {}, tbl, el('p', { class: 'hint', text: 'A cohort is the installations first seen in a week (Monday to Sunday, UTC) of the window; — marks a week that has not begun. A window of 90 days or a year fills the later weeks.' }));
}

// Version share re-keyed by days since each version's first day, so releases compare at equal age.
function sinceFirstDay(t) {
  const c = col(t);
  const first = new Map();
  for (const r of t.rows) if (!first.has(r[c('version')]) || r[c('day')] < first.get(r[c('version')])) first.set(r[c('version')], r[c('day')]);
  const days = (a, b) => Math.round((Date.parse(b) - Date.parse(a)) / 86400000);
  const rows = t.rows.map((r) => [days(first.get(r[c('version')]), r[c('day')]), r[c('version')], r[c('percent')]]);
  rows.sort((a, b) => a[0] - b[0] || compareVersions(a[1], b[1]));
  return { columns: ['days_since', 'version', 'percent'], rows };
}

function sinceLine(t) {
  const c = col(t);
  const first = new Map();
  for (const r of t.rows) if (r[c('installations')] > 0 && !first.has(r[c('name')])) first.set(r[c('name')], r[c('day')]);
  const start = t.rows.length ? t.rows[0][c('day')] : '';
  const parts = [...first.entries()].map(([n, d]) => n + (d === start ? ' before ' + d : ' since ' + d));
  return el('p', { class: 'hint', text: 'In use: ' + (parts.join('; ') || 'none') + '.' });
}

// Rows × columns of one figure; 'slower'/'lower' marks the cells worse than the row's best, among
// the cells whose weight (runs) is at least 30, so that a handful of runs marks nothing.
const MIN_WEIGHT = 30;
function pivot(t, rowKey, colKey, value, worse, weight) {
  const c = col(t);
  const rowsKeys = [...new Set(t.rows.map((r) => r[c(rowKey)]))];
  const cols = [...new Set(t.rows.map((r) => r[c(colKey)]))].sort(compareVersions);
  const at = new Map(t.rows.map((r) => [r[c(rowKey)] + '\u0000' + r[c(colKey)], r[c(value)]]));
  const heavy = new Set(t.rows.filter((r) => !weight || r[c(weight)] >= MIN_WEIGHT).map((r) => r[c(rowKey)] + '\u0000' + r[c(colKey)]));
  const rows = rowsKeys.map((k) => [k ?? '(none)', ...cols.map((v) => (at.has(k + '\u0000' + v) ? at.get(k + '\u0000' + v) : null))]);
  const columns = [rowKey, ...cols.map(String)];
  const counted = (ri, i) => rows[ri][i] !== null && heavy.has(rowsKeys[ri] + '\u0000' + cols[i - 1]);
  const mark = worse && ((ri, i) => {
    if (i === 0 || !counted(ri, i)) return false;
    const vals = rows[ri].slice(1).filter((v, j) => counted(ri, j + 1));
    const v = rows[ri][i];
    if (vals.length < 2) return false;
    return worse === 'slower' ? v > 1.5 * Math.min(...vals) : v < Math.max(...vals) - 0.05;
  });
  const tbl = table({ columns, rows }, null, mark, (i) => (i === 0 ? 'text' : own(COLUMN_FORMAT, value) || 'pct'));
  // The columns are versions: their names as they came, not read as the page's column names.
  tbl.querySelectorAll('thead th').forEach((th, i) => { if (i > 0) th.textContent = columns[i]; });
  return el('div', { class: 'scroll' }, tbl);
}

function compareVersions(a, b) {
  const pa = String(a).split(/[.-]/); const pb = String(b).split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? ''; const y = pb[i] ?? '';
    const nx = /^\d+$/.test(x); const ny = /^\d+$/.test(y);
    if (nx && ny && Number(x) !== Number(y)) return Number(x) - Number(y);
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

// The commands: failures and readable durations; the top failing first in their own list.
function commandTable(p, t) {
  const c = col(t);
  const withFailures = { columns: ['command', 'runs', 'failures', 'success_rate', 'p50_ms', 'p95_ms', 'p99_ms', 'installations'],
    rows: t.rows.map((r) => [r[c('command')], r[c('runs')], Math.round(r[c('runs')] * (1 - r[c('success_rate')])), r[c('success_rate')], r[c('p50_ms')], r[c('p95_ms')], r[c('p99_ms')], r[c('installations')]]) };
  const failing = withFailures.rows.filter((r) => r[2] > 0).sort((x, y) => y[2] - x[2]).slice(0, 5);
  return el('div', {},
    el('p', { class: 'summary', 'data-top-failing': failing.map((r) => r[0]).join('\n'),
      text: failing.length ? 'Top failing: ' + failing.map((r) => (r[0] ?? '(none)') + ' ' + NUM.format(r[2]) + ' failed (' + FORMAT.rate(r[3]) + ' success)').join('; ') + '.' : 'No failed runs in this window.' }),
    table(withFailures));
}

async function render() {
  const s = state();
  if (s.product && [...$('product').options].some((o) => o.value === s.product)) $('product').value = s.product;
  $('days').value = [...$('days').options].some((o) => o.value === s.days) ? s.days : '30';
  $('version').value = s.version;
  const view = VIEWS[s.view];
  for (const a of $('nav').children) {
    const on = a.getAttribute('data-view') === s.view;
    a.className = on ? 'active' : '';
    if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    a.setAttribute('href', hashFor(a.getAttribute('data-view')));
  }
  document.title = view.title + ' · ' + $('product').value + ' · Beacon';
  // A container of this render's own: a slower earlier render adds only to its own, gone by then.
  const out = el('div', { class: 'view-body' }, el('h2', { text: view.title }));
  $('view').replaceChildren(out);
  if (view.panels) for (const p of view.panels) out.append(await panel(p));
  if (view.explorer) explorer(out);
  if (view.compare) await compare(out, s);
  if (view.quarantine) await quarantine(out);
  if (view.data) await dataControl(out);
  if (view.settings) await settings(out);
  versionsList();
}

// The versions the filter and the comparison offer, from the releases of the last year.
let versionsFor = null;
async function versionsList() {
  const product = $('product').value;
  if (versionsFor === product) return;
  versionsFor = product;
  try {
    const t = await api(fleetUrl('releases', { days: 365, version: null }));
    $('versions-list').replaceChildren(...t.rows.map((r) => r[0]).sort(compareVersions).reverse().map((v) => el('option', { value: v })));
  } catch (e) { versionsFor = null; }
}

// A change between versions: in points for shares and rates, in percent for the rest.
function change(column, va, vb) {
  if (typeof va !== 'number' || typeof vb !== 'number') return '—';
  if (column === 'success_rate') return (vb >= va ? '+' : '') + ((vb - va) * 100).toFixed(1) + ' pts';
  if (column === 'percent') return (vb >= va ? '+' : '') + (vb - va).toFixed(1) + ' pts';
  return va === 0 ? '—' : FORMAT.change((vb - va) / Math.abs(va) * 100);
}
// Worse in the second version: 50 % slower, or 5 points less successful.
function isWorse(column, va, vb) {
  if (typeof va !== 'number' || typeof vb !== 'number') return false;
  if (column.endsWith('_ms')) return vb > 1.5 * va;
  if (column === 'success_rate') return vb < va - 0.05;
  return false;
}

// Two versions side by side on the figures of the other views.
async function compare(out, s) {
  let versions = [];
  try { versions = (await api(fleetUrl('releases', { version: null }))).rows.map((r) => r[0]).sort(compareVersions).reverse(); } catch (e) { /* the selects stay empty */ }
  const a = s.a || versions[1] || versions[0] || ''; const b = s.b || versions[0] || '';
  const pick = (id, v, label) => el('label', {}, label + ' ', el('select', { id }, ...(versions.includes(v) || !v ? versions : [v, ...versions]).map((x) => { const o = el('option', { value: x, text: x }); if (x === v) o.selected = true; return o; })));
  const form = el('form', { class: 'panel', id: 'compare-form' }, pick('compare-a', a, 'Version'), ' against ', pick('compare-b', b, 'version'));
  form.addEventListener('change', () => go({ a: $('compare-a').value, b: $('compare-b').value }));
  out.append(form);
  if (!a || !b) { form.append(el('p', { class: 'empty', text: SEND.versions })); return; }
  const side = async (title, id, q, key, figures) => {
    const box = el('section', { class: 'panel', 'data-query': id }, el('h3', { text: title }), el('div', { class: 'loading', text: 'Loading…' }));
    out.append(box);
    const started = performance.now();
    try {
      const [ta, tb] = await Promise.all([api(fleetUrl(q, { version: a })), api(fleetUrl(q, { version: b }))]);
      const keys = [...new Set([...ta.rows, ...tb.rows].map((r) => key(r, col(ta))))];
      const find = (t, k) => t.rows.find((r) => key(r, col(t)) === k);
      const rows = []; const worse = [];
      for (const k of keys) for (const [name, column] of figures) {
        const va = find(ta, k) ? find(ta, k)[col(ta)(column)] : null; const vb = find(tb, k) ? find(tb, k)[col(tb)(column)] : null;
        rows.push([(k === null ? '(none)' : k) + (figures.length > 1 ? ' · ' + name : ''), cell(column, va), cell(column, vb), change(column, va, vb)]);
        worse.push(isWorse(column, va, vb));
      }
      const shown = rows.length ? table({ columns: ['figure', a, b, 'change'], rows }, null, (ri, i) => i === 3 && worse[ri]) : el('p', { class: 'empty', text: 'Neither version has figures here in this window.' });
      shown.querySelectorAll('td:not(:first-child), th:not(:first-child)').forEach((td) => td.classList.add('num'));
      box.lastChild.replaceWith(shown);
    } catch (e) { box.lastChild.replaceWith(el('div', { class: 'error', role: 'alert', text: 'Could not load this panel: ' + e.message })); }
    box.setAttribute('data-ms', String(Math.round(performance.now() - started)));
  };
  await Promise.all([
    side('Installations', 'compare-growth', 'growth', (r, c) => r[c('figure')], [['', 'window']]),
    side('CLI commands', 'compare-commands', 'commands', (r, c) => r[c('command')], [['runs', 'runs'], ['success', 'success_rate'], ['p50', 'p50_ms'], ['p95', 'p95_ms']]),
    side('Features and plugins (share of its reporting installations)', 'compare-features', 'adoption', (r, c) => r[c('name')] + ' (' + r[c('kind')] + ')', [['', 'percent']]),
    side('Health: units reported unhealthy', 'compare-health', 'health-units', (r, c) => r[c('unit')], [['', 'unhealthy']]),
  ]);
}

function explorer(out) {
  const input = el('input', { id: 'field-path', placeholder: 'vm_specs.num_cpus', value: 'vm_specs.num_cpus', size: '30', 'aria-label': 'Report field path' });
  const result = el('div');
  const go2 = el('button', { type: 'submit', class: 'primary', text: 'Show' });
  const form = el('form', { class: 'panel' }, el('label', { for: 'field-path', text: 'Report field ' }), input, ' ', go2, result);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    result.replaceChildren(await panel({ q: 'field?path=' + encodeURIComponent(input.value.trim()), title: input.value.trim(), chart: 'hbar', x: 'value', series: ['installations'], tail: true }));
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
  $('nav').replaceChildren(...Object.entries(VIEWS).map(([k, v]) => el('a', { href: '#' + k, 'data-view': k, text: v.title })));
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
// A filter changes the URL; the URL's change renders (so back and forward do too).
for (const id of ['product', 'days', 'version']) $(id).addEventListener('change', () => go({}));
$('filters').addEventListener('submit', (e) => { e.preventDefault(); go({}); });
window.addEventListener('hashchange', () => { if (!$('nav').hidden) render(); });

fetch('/api/v1/session', { headers: { 'Accept': 'application/json', 'X-Beacon-Dashboard': '1' } })
  .then((res) => res.json())
  .then(async (s) => { if (s.logged_in) { csrf = s.csrf; await start(); } else showLogin(); })
  .catch(showLogin);
