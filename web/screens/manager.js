// Manager: KPI dashboard with inline SVG charts, the monthly report, SLA and early warnings.
import { t } from '../i18n.js';
import { api, num, hasRpc, listAll } from '../api.js';
import { h, clear, field, input, select, button, showError, clearErrors, fmtTime, pct, minutesText, table } from '../ui.js';
import { ticketSlas, slaSummary, byRisk } from '../sla.js';
import { slaText } from './dispatcher.js';

const CLOSED_TICKET = new Set(['TICKET_STATE_CLOSED', 'TICKET_STATE_CANCELLED', 'TICKET_STATE_COMPLETED',
  'TICKET_STATE_RESOLVED_REMOTELY', 'TICKET_STATE_RETURNED_TO_CUSTOMER']);

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
  const warnEl = h('section', { class: 'card', 'data-testid': 'early-warnings' });
  const reportEl = h('section', { class: 'card report', 'data-testid': 'report' });
  root.append(h('div', { class: 'row no-print' }, h('h1', {}, t('mgr.title')), button('common.refresh', () => load(), { class: 'small', 'data-testid': 'kpi-refresh' })),
    h('div', { class: 'board-grid no-print' }, kpiEl, slaEl), h('div', { class: 'no-print' }, warnEl, trendEl), reportEl);
  view.append(root);

  const now = new Date();
  const state = { kpis: null };
  const month = (d) => ({ period: 'PERIOD_KIND_MONTH', year: d.getFullYear(), number: d.getMonth() + 1 });

  async function load() {
    try {
      const k = await api.call('callbacks', 'GetKpis', month(now));
      state.kpis = k;
      renderKpis(k);
    } catch (err) { if (err.status === 401) { ctx.onAuthError(); return; } clear(kpiEl, h('h2', {}, t('mgr.kpis'))); showError(kpiEl, err); }
    loadSla().catch((err) => { if (err.status === 401) { ctx.onAuthError(); return; } showError(slaEl, err); });
    loadWarnings().catch((err) => showError(warnEl, err));
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

  // SLA from intake's clocks: open tickets that breached or passed a warning point
  // (ListTickets sla_risk), the worst ten with their clock and due time (GetTicketSla), and this
  // month's attainment per promise from callbacks (met ÷ settled) when it reports it.
  async function loadSla() {
    const [breachedAll, riskAll] = await Promise.all([
      listAll('intake', 'ListTickets', { sla_risk: 'SLA_RISK_BREACHED' }, 'tickets'),
      listAll('intake', 'ListTickets', { sla_risk: 'SLA_RISK_AT_RISK' }, 'tickets'),
    ]);
    const open = (x) => !CLOSED_TICKET.has(x.state);
    const breached = breachedAll.filter(open);
    const breachedIds = new Set(breached.map((x) => x.ticket_id));
    const warned = riskAll.filter(open).filter((x) => !breachedIds.has(x.ticket_id));
    const worstTickets = [...breached, ...warned];
    const slas = await ticketSlas(worstTickets.slice(0, 60).map((x) => x.ticket_id));
    const nowMs = Date.now();
    const rows = worstTickets.slice(0, 60).map((x) => ({ ...x, sla: slaSummary(slas.get(x.ticket_id), nowMs) }))
      .sort(byRisk).slice(0, 10);
    let conflicts = [];
    try { conflicts = (await api.call('scheduling', 'ListSyncConflicts', { page_size: 20 })).conflicts || []; } catch { /* optional */ }
    const k = state.kpis || {};
    const attainment = [['response', k.sla_response], ['on_site', k.sla_on_site], ['resolution', k.sla_resolution]]
      .filter(([, r]) => r && num(r.denominator) > 0);
    clear(slaEl, h('h2', {}, t('mgr.sla')),
      h('div', { class: 'tiles' },
        h('div', { class: 'tile breached' }, h('div', { class: 'muted small' }, t('mgr.slaBreached')), h('div', { class: 'big-num', 'data-testid': 'sla-breached' }, breached.length)),
        h('div', { class: 'tile risk' }, h('div', { class: 'muted small' }, t('mgr.slaWarned')), h('div', { class: 'big-num', 'data-testid': 'sla-warned' }, warned.length)),
        attainment.map(([c, r]) => h('div', { class: 'tile', 'data-kpi': `sla_${c}` }, h('div', { class: 'muted small' }, t('mgr.slaMet', { clock: t(`sla.clock.${c}`) })),
          h('div', { class: 'big-num' }, pct(r.percent)), h('div', { class: 'muted small' }, ratio(r))))),
      attainment.length ? barChart(attainment.map(([c, r]) => [t('mgr.slaMet', { clock: t(`sla.clock.${c}`) }), r.percent, ratio(r)])) : h('p', { class: 'muted small' }, t('mgr.slaNoAttainment')),
      h('h3', {}, t('mgr.slaWorst')),
      table(['mgr.customer', 'mgr.ticket', 'mgr.technician', 'mgr.slaClock'], rows.map((x) => h('tr', { 'data-ticket': x.ticket_id },
        h('td', {}, (x.customer || {}).name || '—'), h('td', {}, `${x.ticket_id} · ${x.category || ''}`), h('td', {}, x.technician_id || t('mgr.unassigned')),
        h('td', { class: x.sla.risk }, slaText(x.sla))))),
      conflicts.length ? h('div', {}, h('h3', {}, t('mgr.syncConflicts')), h('ul', { class: 'small' }, conflicts.map((c) =>
        h('li', {}, `${c.technician_id} · ${c.update} · ${c.reason} (${fmtTime(c.recorded_at)})`)))) : null);
  }

  // Early warnings (a fault category recurring on a product model) from callbacks.
  async function loadWarnings() {
    if (!(await hasRpc('callbacks', 'ListEarlyWarnings'))) {
      clear(warnEl, h('h2', {}, t('mgr.earlyWarnings')), h('p', { class: 'muted small' }, t('mgr.warningsUnavailable')));
      return;
    }
    const all = await listAll('callbacks', 'ListEarlyWarnings', {}, 'warnings', 5);
    const recent = all.slice(-20).reverse();
    clear(warnEl, h('h2', {}, t('mgr.earlyWarnings'), ' ', h('span', { class: 'badge' }, String(all.length))),
      recent.length ? table(['mgr.model', 'mgr.category', 'mgr.period', 'mgr.count', 'mgr.raisedAt'], recent.map((w) => h('tr', { 'data-warning': w.warning_id },
        h('td', {}, w.product_model), h('td', {}, w.category), h('td', {}, w.period),
        h('td', { class: 'n' }, `${w.count} / ${w.threshold}`), h('td', {}, fmtTime(w.raised_at)))))
        : h('p', { class: 'muted' }, t('mgr.noWarnings')));
  }

  // The monthly report (callbacks' GetMonthlyReport) as a printable page: the company's KPIs as a
  // table and a chart, the agents', teams' and technicians' figures with charts, early warnings;
  // "Print" prints only this section (see styles.css @media print). CSV needs "export".
  function renderReport() {
    const prev = new Date(now.getFullYear(), now.getMonth() - 1, 1);
    const ym = input('month', { type: 'month', value: `${prev.getFullYear()}-${String(prev.getMonth() + 1).padStart(2, '0')}` });
    const out = h('div', { class: 'report-body' });
    const form = h('form', { class: 'row no-print', novalidate: true }, field('mgr.reportMonth', ym), h('button', { type: 'submit', 'data-testid': 'report-show' }, t('mgr.showReport')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault(); clearErrors(form);
      const [y, m] = ym.value.split('-').map(Number);
      try {
        const r = await api.call('callbacks', 'GetMonthlyReport', { year: y || 0, month: m || 0 });
        clear(out, reportView(r));
      } catch (err) { if (err.status === 401) { ctx.onAuthError(); return; } showError(form, err); }
    });
    clear(reportEl, h('h2', { class: 'no-print' }, t('mgr.report')), form, out);
  }

  function reportView(r) {
    let d = {};
    try { d = JSON.parse(r.json || '{}'); } catch { /* shown as empty */ }
    const blob = (text, type) => URL.createObjectURL(new Blob([text], { type }));
    const R = (x) => (x && typeof x === 'object' ? x : null);
    const company = [
      ['callback_success', R(d.callback_success)], ['first_time_fix', R(d.first_time_fix)], ['repeat_visits', R(d.repeat_visits)],
      ['on_time_arrival', R(d.on_time_arrival)], ['parts_fill_units', R(d.parts_fill_units)], ['parts_fill_jobs', R(d.parts_fill_jobs)],
      ['maintenance_arrival', R(d.maintenance_arrival)], ['complaint_handling', R(d.complaint_handling)],
      ['sla_response', R(d.sla && d.sla.response)], ['sla_on_site', R(d.sla && d.sla.on_site)], ['sla_resolution', R(d.sla && d.sla.resolution)],
      ['churn', R(d.churn)],
    ].filter(([, x]) => x);
    const ratioText = (x) => (x ? `${num(x.numerator)} / ${num(x.denominator)}` : '—');
    const single = [
      ['callback_completion', d.callback_completion, '%'], ['mttr', d.mean_time_to_repair_hours, ' h'],
      ['care_rate', d.care_rate, '%'], ['care_completion', d.care_completion, '%'],
    ].filter(([, v]) => v !== undefined && v !== null);
    const scopeChart = (list, key) => (list && list.length ? barChart(list.map((x) => [x.name, x[key] && x[key].percent, ratioText(x[key])]), key === 'callback_success' ? 96 : undefined) : null);
    const agents = d.agents || [], teams = d.teams || [], techs = d.technicians || [];
    return h('article', { class: 'printable', 'data-month': r.month },
      h('div', { class: 'row' }, h('h2', {}, t('mgr.reportTitle', { month: r.month })),
        h('span', { class: 'muted small' }, r.produced_at ? t('mgr.reportProduced', { at: fmtTime(r.produced_at) }) : t('mgr.reportOnDemand')),
        h('span', { class: 'no-print' },
          button('mgr.print', () => { document.body.classList.add('print-report'); window.print(); document.body.classList.remove('print-report'); }, { class: 'small', 'data-testid': 'report-print' }),
          ' ', r.csv_withheld ? h('span', { class: 'muted small' }, t('mgr.csvWithheld')) : h('a', { href: blob(r.csv || '', 'text/csv'), download: `fieldline-${r.month}.csv` }, 'CSV'),
          ' · ', h('a', { href: blob(r.json || '', 'application/json'), download: `fieldline-${r.month}.json` }, 'JSON'))),
      h('h3', {}, t('mgr.reportCompany')),
      table(['mgr.kpi', 'mgr.ratio', 'mgr.percent'], [
        ...company.map(([k, x]) => h('tr', { 'data-kpi': k }, h('td', {}, t(`mgr.k.${k}`)), h('td', { class: 'n' }, ratioText(x)), h('td', { class: 'n' }, pct(x.percent)))),
        ...single.map(([k, v, unit]) => h('tr', { 'data-kpi': k }, h('td', {}, t(`mgr.k.${k}`)), h('td'), h('td', { class: 'n' }, `${Number(v).toFixed(1)}${unit}`))),
      ]),
      company.length ? barChart(company.map(([k, x]) => [t(`mgr.k.${k}`), x.percent, ratioText(x)])) : null,
      agents.length ? h('section', { class: 'report-part' }, h('h3', {}, t('mgr.reportAgents')), scopeChart(agents, 'callback_success'),
        table(['mgr.agent', 'mgr.k.callback_success', 'mgr.k.callback_completion', 'mgr.callbacksOpen', 'mgr.excluded'], agents.map((a) => h('tr', {},
          h('td', {}, a.name), h('td', { class: 'n' }, `${pct(a.callback_success && a.callback_success.percent)} (${ratioText(a.callback_success)})`),
          h('td', { class: 'n' }, pct(a.callback_completion)), h('td', { class: 'n' }, num(a.callbacks_open)), h('td', { class: 'n' }, num(a.callbacks_excluded)))))) : null,
      teams.length ? h('section', { class: 'report-part' }, h('h3', {}, t('mgr.reportTeams')), scopeChart(teams, 'callback_success'),
        table(['mgr.team', 'mgr.k.callback_success', 'mgr.members'], teams.map((x) => h('tr', {},
          h('td', {}, x.name), h('td', { class: 'n' }, `${pct(x.callback_success && x.callback_success.percent)} (${ratioText(x.callback_success)})`),
          h('td', { class: 'small' }, (x.members || []).join(', ')))))) : null,
      techs.length ? h('section', { class: 'report-part' }, h('h3', {}, t('mgr.reportTechnicians')), scopeChart(techs, 'first_time_fix'),
        table(['mgr.technician', 'mgr.k.first_time_fix', 'mgr.k.repeat_visits', 'mgr.k.on_time_arrival', 'mgr.k.sla_on_site', 'mgr.k.sla_resolution', 'mgr.k.parts_fill_jobs', 'mgr.k.mttr'],
          techs.map((x) => h('tr', {}, h('td', {}, x.name),
            ['first_time_fix', 'repeat_visits', 'on_time_arrival', 'sla_on_site', 'sla_resolution', 'parts_fill_jobs'].map((k) => h('td', { class: 'n' }, pct(x[k] && x[k].percent))),
            h('td', { class: 'n' }, x.mean_time_to_repair_hours != null ? `${Number(x.mean_time_to_repair_hours).toFixed(1)} h` : '—'))))) : null,
      (d.early_warnings || []).length ? h('section', { class: 'report-part' }, h('h3', {}, t('mgr.earlyWarnings')),
        table(['mgr.model', 'mgr.category', 'mgr.period', 'mgr.count'], d.early_warnings.map((w) => h('tr', {},
          h('td', {}, w.product_model), h('td', {}, w.category), h('td', {}, w.period), h('td', { class: 'n' }, `${w.count} / ${w.threshold}`))))) : null,
      (d.warnings || []).length ? h('div', { class: 'banner warn' }, h('strong', {}, t('mgr.warnings')), h('ul', {}, d.warnings.map((w) => h('li', {}, w)))) : null);
  }

  renderReport();
  await load();
  return () => {};
}
