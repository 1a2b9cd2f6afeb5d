// Manager: KPI dashboard with inline SVG charts, the monthly report, SLA and early warnings.
import { t } from '../i18n.js';
import { api, num } from '../api.js';
import { h, clear, field, input, select, button, showError, clearErrors, fmtTime, pct, minutesText, table } from '../ui.js';
import { slackMinutes } from './dispatcher.js';

const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children.flat()) if (c != null) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

// Horizontal bars, one per [label, percent|undefined, detail]; a dashed line at `target`.
export function barChart(rows, target) {
  const W = 520, row = 34, H = rows.length * row + 24, x0 = 170, w = W - x0 - 60;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img' });
  rows.forEach(([label, v, detail], i) => {
    const y = 8 + i * row;
    svg.append(s('text', { x: x0 - 8, y: y + 17, 'text-anchor': 'end', class: 'lbl' }, label));
    svg.append(s('rect', { x: x0, y, width: w, height: 22, class: 'track' }));
    if (v !== undefined && v !== null) svg.append(s('rect', { x: x0, y, width: Math.max(1, Math.min(100, v) / 100 * w), height: 22, class: 'bar' }));
    svg.append(s('text', { x: x0 + w + 6, y: y + 17, class: 'val' }, v === undefined || v === null ? '—' : `${Number(v).toFixed(1)}%`));
    if (detail) svg.append(s('title', {}, detail));
  });
  if (target) {
    const x = x0 + target / 100 * w;
    svg.append(s('line', { x1: x, x2: x, y1: 0, y2: H - 16, class: 'target' }), s('text', { x, y: H - 2, 'text-anchor': 'middle', class: 'lbl small' }, `${target}%`));
  }
  return svg;
}

// A line chart of [label, value] points per series, values in percent.
export function lineChart(labels, series) {
  const W = 520, H = 200, x0 = 36, y0 = 170, w = W - x0 - 12, hgt = 150;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img' });
  for (const g of [0, 50, 100]) {
    const y = y0 - g / 100 * hgt;
    svg.append(s('line', { x1: x0, x2: x0 + w, y1: y, y2: y, class: 'grid' }), s('text', { x: x0 - 4, y: y + 4, 'text-anchor': 'end', class: 'lbl small' }, `${g}`));
  }
  const step = labels.length > 1 ? w / (labels.length - 1) : 0;
  labels.forEach((l, i) => svg.append(s('text', { x: x0 + i * step, y: H - 6, 'text-anchor': 'middle', class: 'lbl small' }, l)));
  series.forEach(({ name, values, cls }, k) => {
    const pts = values.map((v, i) => (v === undefined || v === null ? null : [x0 + i * step, y0 - Math.min(100, v) / 100 * hgt])).filter(Boolean);
    if (pts.length) svg.append(s('polyline', { points: pts.map((p) => p.join(',')).join(' '), class: `line ${cls}` }));
    pts.forEach(([x, y]) => svg.append(s('circle', { cx: x, cy: y, r: 3, class: `dot ${cls}` })));
    svg.append(s('text', { x: x0 + 8 + k * 170, y: 12, class: `lbl legend ${cls}` }, `■ ${name}`));
  });
  return svg;
}

export async function mount(view, ctx) {
  const root = h('div', { class: 'manager' });
  const kpiEl = h('section', { class: 'card', 'data-testid': 'kpis' });
  const trendEl = h('section', { class: 'card' });
  const slaEl = h('section', { class: 'card', 'data-testid': 'sla' });
  const reportEl = h('section', { class: 'card', 'data-testid': 'report' });
  root.append(h('div', { class: 'row' }, h('h1', {}, t('mgr.title')), button('common.refresh', () => load(), { class: 'small', 'data-testid': 'kpi-refresh' })),
    h('div', { class: 'board-grid' }, kpiEl, slaEl), trendEl, reportEl);
  view.append(root);

  const now = new Date();
  const month = (d) => ({ period: 'PERIOD_KIND_MONTH', year: d.getFullYear(), number: d.getMonth() + 1 });

  async function load() {
    try {
      const k = await api.call('callbacks', 'GetKpis', month(now));
      renderKpis(k);
    } catch (err) { if (err.status === 401) { ctx.onAuthError(); return; } clear(kpiEl, h('h2', {}, t('mgr.kpis'))); showError(kpiEl, err); }
    loadSla().catch((err) => showError(slaEl, err));
    loadTrend().catch((err) => showError(trendEl, err));
  }

  function ratio(r) { return r ? `${num(r.numerator)} / ${num(r.denominator)}` : '—'; }

  function renderKpis(k) {
    const cards = [
      ['callback_success', k.callback_success && k.callback_success.percent, ratio(k.callback_success)],
      ['first_time_fix', k.first_time_fix && k.first_time_fix.percent, ratio(k.first_time_fix)],
      ['repeat_visits', k.repeat_visits && k.repeat_visits.percent, ratio(k.repeat_visits)],
    ];
    clear(kpiEl, h('h2', {}, t('mgr.kpis'), ' · ', `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`),
      h('div', { class: 'tiles' },
        cards.map(([key, v, r]) => h('div', { class: 'tile', 'data-kpi': key }, h('div', { class: 'muted small' }, t(`mgr.${key}`)),
          h('div', { class: 'big-num', 'data-testid': `kpi-${key}` }, pct(v)), h('div', { class: 'muted small', 'data-testid': `kpi-${key}-ratio` }, r))),
        h('div', { class: 'tile' }, h('div', { class: 'muted small' }, t('mgr.mttr')), h('div', { class: 'big-num' }, k.mean_time_to_repair_hours != null ? `${Number(k.mean_time_to_repair_hours).toFixed(1)} h` : '—')),
        h('div', { class: 'tile' }, h('div', { class: 'muted small' }, t('mgr.callbacksOpen')), h('div', { class: 'big-num', 'data-testid': 'kpi-callbacks-open' }, num(k.callbacks_open))),
        h('div', { class: 'tile' }, h('div', { class: 'muted small' }, t('mgr.excluded')), h('div', { class: 'big-num' }, num(k.callbacks_excluded)))),
      barChart([
        [t('mgr.callback_success'), k.callback_success && k.callback_success.percent, ratio(k.callback_success)],
        [t('mgr.callback_completion'), k.callback_completion],
        [t('mgr.first_time_fix'), k.first_time_fix && k.first_time_fix.percent],
        [t('mgr.repeat_visits'), k.repeat_visits && k.repeat_visits.percent],
      ], 96),
      (k.warnings || []).length ? h('div', { class: 'banner warn' }, h('strong', {}, t('mgr.warnings')), h('ul', {}, k.warnings.map((w) => h('li', {}, w)))) : null);
  }

  async function loadTrend() {
    const months = [];
    for (let i = 5; i >= 0; i--) months.push(new Date(now.getFullYear(), now.getMonth() - i, 1));
    const ks = await Promise.all(months.map((d) => api.call('callbacks', 'GetKpis', month(d)).catch(() => ({}))));
    const labels = months.map((d) => `${d.getMonth() + 1}${t('mgr.monthSuffix')}`);
    clear(trendEl, h('h2', {}, t('mgr.trend')), lineChart(labels, [
      { name: t('mgr.callback_success'), values: ks.map((k) => k.callback_success && k.callback_success.percent), cls: 'a' },
      { name: t('mgr.first_time_fix'), values: ks.map((k) => k.first_time_fix && k.first_time_fix.percent), cls: 'b' },
      { name: t('mgr.repeat_visits'), values: ks.map((k) => k.repeat_visits && k.repeat_visits.percent), cls: 'c' },
    ]));
  }

  async function loadSla() {
    const jobs = [];
    for (const st of ['JOB_STATE_UNASSIGNED', 'JOB_STATE_ASSIGNED']) {
      let page_token = '';
      for (let i = 0; i < 20; i++) {
        const r = await api.call('scheduling', 'ListJobs', { state: st, page_size: 500, page_token });
        jobs.push(...(r.jobs || []));
        page_token = r.next_page_token;
        if (!page_token) break;
      }
    }
    const open = jobs.filter((j) => !j.arrival);
    const breached = open.filter((j) => slackMinutes(j) < 0);
    const risk = open.filter((j) => slackMinutes(j) >= 0 && slackMinutes(j) < 240);
    const worst = [...breached, ...risk].sort((a, b) => slackMinutes(a) - slackMinutes(b)).slice(0, 10);
    let conflicts = [];
    try { conflicts = (await api.call('scheduling', 'ListSyncConflicts', { page_size: 20 })).conflicts || []; } catch { /* optional */ }
    clear(slaEl, h('h2', {}, t('mgr.sla')),
      h('div', { class: 'tiles' },
        h('div', { class: 'tile' }, h('div', { class: 'muted small' }, t('mgr.openJobs')), h('div', { class: 'big-num' }, open.length)),
        h('div', { class: 'tile risk' }, h('div', { class: 'muted small' }, t('mgr.atRisk')), h('div', { class: 'big-num' }, risk.length)),
        h('div', { class: 'tile breached' }, h('div', { class: 'muted small' }, t('mgr.breached')), h('div', { class: 'big-num' }, breached.length))),
      h('h3', {}, t('mgr.earlyWarnings')),
      table(['mgr.customer', 'mgr.skill', 'mgr.technician', 'mgr.slack'], worst.map((j) => h('tr', {},
        h('td', {}, (j.customer || {}).name || j.job_id), h('td', {}, j.required_skill), h('td', {}, j.technician_id || t('mgr.unassigned')),
        h('td', { class: slackMinutes(j) < 0 ? 'breached' : 'risk' }, minutesText(slackMinutes(j)))))),
      conflicts.length ? h('div', {}, h('h3', {}, t('mgr.syncConflicts')), h('ul', { class: 'small' }, conflicts.map((c) =>
        h('li', {}, `${c.technician_id} · ${c.update} · ${c.reason} (${fmtTime(c.recorded_at)})`)))) : null);
  }

  function renderReport() {
    const prev = new Date(now.getFullYear(), now.getMonth() - 1, 1);
    const ym = input('month', { type: 'month', value: `${prev.getFullYear()}-${String(prev.getMonth() + 1).padStart(2, '0')}` });
    const out = h('div');
    const form = h('form', { class: 'row', novalidate: true }, field('mgr.reportMonth', ym), h('button', { type: 'submit', 'data-testid': 'report-show' }, t('mgr.showReport')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault(); clearErrors(form);
      const [y, m] = ym.value.split('-').map(Number);
      try {
        const r = await api.call('callbacks', 'GetMonthlyReport', { year: y || 0, month: m || 0 });
        const lines = String(r.csv || '').trim().split(/\r?\n/).filter(Boolean).map((l) => l.split(','));
        const [head = [], ...rows] = lines;
        const blob = (text, type) => URL.createObjectURL(new Blob([text], { type }));
        clear(out, h('p', {}, h('strong', {}, r.month), ' · ',
          h('a', { href: blob(r.csv || '', 'text/csv'), download: `fieldline-${r.month}.csv` }, 'CSV'), ' · ',
          h('a', { href: blob(r.json || '', 'application/json'), download: `fieldline-${r.month}.json` }, 'JSON')),
          h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, head.map((x) => h('th', {}, x)))),
            h('tbody', {}, rows.map((row) => h('tr', {}, row.map((x) => h('td', {}, x))))))));
      } catch (err) { if (err.status === 401) { ctx.onAuthError(); return; } showError(form, err); }
    });
    clear(reportEl, h('h2', {}, t('mgr.report')), form, out);
  }

  renderReport();
  await load();
  return () => {};
}
