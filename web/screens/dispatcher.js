// The dispatcher's board: the unassigned queue by SLA risk, the technicians' day timelines,
// assignment by click or drag with the recommendations and their reasons, the optimiser, and live
// updates from the gateway's SSE stream (resuming from the last position after a reconnect).
import { t } from '../i18n.js';
import { api, num, requestId, freshToken, listAll } from '../api.js';
import { h, clear, field, input, button, showError, clearErrors, banner, fmtTime, enumText,
         minutesText, partsText } from '../ui.js';
import { ticketSlas, slaSummary, byRisk, forget } from '../sla.js';

const DAY_START = 8, DAY_END = 20;  // the timeline's hours (local)
const POS_KEY = 'fieldline.board.position';

// A card's SLA line: which clock is due first, when, and how long is left (or how long ago it
// breached), from intake's clocks.
export function slaText(sla) {
  if (!sla || sla.risk === 'unknown') return t('board.slaUnknown');
  const clock = t(`sla.clock.${sla.clock || 'none'}`);
  const due = Number.isNaN(sla.due) ? '' : fmtTime(new Date(sla.due).toISOString());
  if (sla.paused) return t('board.slaPaused', { clock, due });
  if (sla.risk === 'breached') {
    return sla.left < 0 ? t('board.slaOver', { clock, due, t: minutesText(-sla.left) })
      : t('board.slaBreachedClocks', { clocks: sla.breached.map((c) => t(`sla.clock.${c}`)).join(', '), clock, due, t: minutesText(sla.left) });
  }
  return t('board.slaDue', { clock, due, t: minutesText(sla.left) });
}

export async function mount(view, ctx) {
  const state = { queue: [], techs: [], jobsByTech: new Map(), selected: null, recs: null, planAvailable: null, live: [] };
  const root = h('div', { class: 'board' });
  const queueEl = h('section', { class: 'card queue', 'data-testid': 'queue' });
  const sideEl = h('section', { class: 'card side', 'data-testid': 'recommendations' });
  const timelineEl = h('section', { class: 'card timelines', 'data-testid': 'timelines' });
  const planEl = h('section', { class: 'card plan' });
  const liveEl = h('div', { class: 'live', 'data-testid': 'live' });
  root.append(h('div', { class: 'board-head' }, h('h1', {}, t('board.title')), liveEl), planEl,
    h('div', { class: 'board-grid' }, queueEl, sideEl), timelineEl);
  view.append(root);

  let dragging = false;  // no re-render under the dragged card
  async function load() {
    if (dragging) { clearTimeout(reloadTimer); reloadTimer = setTimeout(() => load().catch(() => {}), 400); return; }
    const [unassigned, techs, assigned, inProgress] = await Promise.all([
      listAll('scheduling', 'ListJobs', { state: 'JOB_STATE_UNASSIGNED' }, 'jobs'),
      listAll('scheduling', 'ListTechnicians', {}, 'technicians'),
      listAll('scheduling', 'ListJobs', { state: 'JOB_STATE_ASSIGNED' }, 'jobs'),
      listAll('scheduling', 'ListJobs', { state: 'JOB_STATE_IN_PROGRESS' }, 'jobs'),
    ]);
    // Intake's clocks for each waiting ticket (cached 30 s): breached first, then at risk, then by
    // due time. If intake cannot be reached the queue still shows, by priority, marked unknown.
    let slas = new Map();
    try { slas = await ticketSlas(unassigned.map((j) => j.ticket_id)); } catch (err) { if (err.status === 401) throw err; }
    const now = Date.now();
    for (const j of unassigned) { j.slaEntry = slas.get(j.ticket_id); j.sla = slaSummary(j.slaEntry, now); }
    state.queue = unassigned.sort(byRisk);
    state.techs = techs.filter((x) => !x.departed);
    state.jobsByTech = new Map();
    for (const j of [...assigned, ...inProgress]) {
      if (!state.jobsByTech.has(j.technician_id)) state.jobsByTech.set(j.technician_id, []);
      state.jobsByTech.get(j.technician_id).push(j);
    }
    if (state.selected) state.selected = state.queue.find((j) => j.job_id === state.selected.job_id) || null;
    renderQueue(); renderSide(); renderTimelines();
  }

  function renderQueue() {
    const now = Date.now();
    for (const j of state.queue) j.sla = slaSummary(j.slaEntry, now);  // the minutes move on
    clear(queueEl, h('h2', {}, t('board.queue'), ' ', h('span', { class: 'badge' }, String(state.queue.length))),
      h('p', { class: 'muted' }, t('board.queueHelp')),
      h('ol', { class: 'queue-list' }, state.queue.slice(0, 200).map((j) => {
        const risk = j.sla ? j.sla.risk : 'unknown';
        return h('li', {
          class: `qjob ${risk} ${state.selected && state.selected.job_id === j.job_id ? 'selected' : ''}`,
          draggable: 'true', tabindex: '0', 'data-job': j.job_id, 'data-ticket': j.ticket_id,
          ondragstart: (e) => { dragging = true; e.dataTransfer.setData('text/plain', j.job_id); e.dataTransfer.effectAllowed = 'move'; },
          ondragend: () => { dragging = false; },
          onclick: () => select(j),
          onkeydown: (e) => { if (e.key === 'Enter') select(j); },
        },
          h('div', { class: 'qline' }, h('strong', {}, (j.customer && j.customer.name) || '—'),
            h('span', { class: `sla ${risk}`, 'data-testid': 'sla', 'data-risk': risk,
              'data-due': j.sla && !Number.isNaN(j.sla.due) ? new Date(j.sla.due).toISOString() : '' }, slaText(j.sla))),
          h('div', { class: 'muted small' }, `${j.required_skill} · ${enumText(j.priority)} · ${(j.customer && j.customer.address) || ''}`),
          j.parts_needed && j.parts_needed.length ? h('div', { class: 'muted small' }, `${t('board.parts')}: ${partsText(j.parts_needed)}`) : null);
      })));
  }

  async function select(j) {
    state.selected = j;
    state.recs = null;
    renderQueue(); renderSide();
    let recs;
    try {
      recs = await api.call('scheduling', 'RecommendTechnicians', { job_id: j.job_id, limit: 8 });
    } catch (err) {
      recs = { error: err };
    }
    // A live update may have reloaded the queue meanwhile: match the job by id, not by object.
    if (state.selected && state.selected.job_id === j.job_id) { state.recs = recs; renderSide(); }
  }

  function renderSide() {
    const j = state.selected;
    if (!j) { clear(sideEl, h('h2', {}, t('board.recommend')), h('p', { class: 'muted' }, t('board.pickJob'))); return; }
    const c = j.customer || {};
    const override = input('override_reason', { placeholder: t('board.overrideHint') });
    const from = input('window_start', { type: 'datetime-local' });
    const to = input('window_end', { type: 'datetime-local' });
    const manual = input('technician_id', { placeholder: 'T01', list: 'tech-ids' });
    const techList = h('datalist', { id: 'tech-ids' }, state.techs.map((x) => h('option', { value: x.technician_id }, x.name)));
    const form = h('div', { class: 'assign-form' });
    const assign = async (techId, btn) => {
      clearErrors(form);
      if (btn) btn.disabled = true;
      try {
        const body = { request_id: requestId(), job_id: j.job_id, technician_id: techId, expected_version: String(num(j.version)) };
        if (from.value && to.value) { body.window_start = new Date(from.value).toISOString(); body.window_end = new Date(to.value).toISOString(); }
        if (override.value.trim()) body.override_reason = override.value.trim();
        await api.call('scheduling', 'AssignJob', body);
        forget(j.ticket_id);
        banner(root, t('board.assigned', { job: c.name || j.job_id, tech: techId }), 'ok');
        state.selected = null;
        await load();
      } catch (err) {
        if (err.status === 401) { ctx.onAuthError(); return; }
        showError(form, err);
      } finally {
        if (btn) btn.disabled = false;
      }
    };
    state.assign = assign;
    const recs = state.recs;
    let recList;
    if (!recs) recList = h('p', { class: 'muted' }, t('common.loading'));
    else if (recs.error) { recList = h('div'); showError(recList, recs.error); }
    else {
      recList = h('ol', { class: 'recs' }, (recs.recommendations || []).map((r) => {
        const b = button('board.assign', () => assign(r.technician_id, b), { class: 'primary small', 'data-tech': r.technician_id });
        return h('li', { class: 'rec', 'data-tech': r.technician_id },
          h('div', { class: 'qline' }, h('strong', {}, `${r.technician_id} ${r.name}`), h('span', { class: 'score' }, Number(r.score).toFixed(1)), b),
          h('div', { class: 'muted small' }, t('board.recLine', { km: Number(r.travel_km).toFixed(1), lvl: r.skill_level, n: r.jobs_that_day, slack: minutesText(num(r.sla_slack_minutes)) }),
            r.preferred ? h('span', { class: 'badge' }, t('board.fixedTech')) : null),
          h('ul', { class: 'reasons small' }, (r.reasons || []).map((x) => h('li', {}, x))));
      }));
      if (!(recs.recommendations || []).length) recList = h('p', { class: 'banner warn' }, t('board.noRecs', { n: recs.infeasible || 0 }));
    }
    const manualBtn = button('board.assign', () => assign(manual.value.trim(), manualBtn), { class: 'small' });
    clear(form,
      h('div', { class: 'row' }, field('board.windowStart', from), field('board.windowEnd', to)),
      field('board.override', override),
      h('div', { class: 'row' }, field('board.technician', manual), manualBtn, techList));
    clear(sideEl, h('h2', {}, t('board.recommend')),
      h('p', {}, h('strong', {}, c.name || ''), ` · ${c.phone || ''} · ${c.address || ''}`),
      h('p', { class: 'muted small' }, `${j.required_skill} · ${enumText(j.priority)} · ${t('board.created')} ${fmtTime(j.created_at)} · ${j.job_id}`),
      recs && !recs.error ? h('p', { class: 'muted small' }, t('board.considered', { c: recs.considered || 0, i: recs.infeasible || 0 })) : null,
      recList, form);
  }

  function renderTimelines() {
    const hours = [];
    for (let hh = DAY_START; hh <= DAY_END; hh += 2) hours.push(hh);
    const scale = h('div', { class: 'tl-row tl-scale' }, h('div', { class: 'tl-name' }),
      h('div', { class: 'tl-track' }, hours.map((hh) => h('span', { style: `left:${((hh - DAY_START) / (DAY_END - DAY_START)) * 100}%` }, `${hh}:00`))));
    const rows = state.techs.map((tech) => {
      const jobs = state.jobsByTech.get(tech.technician_id) || [];
      const track = h('div', { class: 'tl-track' });
      const loose = [];
      for (const j of jobs) {
        if (!j.window_start) { loose.push(j); continue; }
        const s = new Date(j.window_start), e = new Date(j.window_end);
        const toPct = (d) => Math.max(0, Math.min(100, ((d.getHours() + d.getMinutes() / 60) - DAY_START) / (DAY_END - DAY_START) * 100));
        const left = toPct(s), right = toPct(e);
        track.append(h('span', { class: `tl-job ${j.state === 'JOB_STATE_IN_PROGRESS' ? 'busy' : ''}`, 'data-job': j.job_id,
          style: `left:${left}%;width:${Math.max(2, right - left)}%`, title: `${(j.customer || {}).name || ''} ${fmtTime(j.window_start, false)}–${fmtTime(j.window_end, false)}` },
          (j.customer || {}).name || j.job_id));
      }
      const row = h('div', { class: 'tl-row', 'data-tech': tech.technician_id,
        ondragover: (e) => { e.preventDefault(); row.classList.add('drop'); },
        ondragleave: () => row.classList.remove('drop'),
        ondrop: (e) => {
          e.preventDefault(); row.classList.remove('drop');
          dragging = false;
          const id = e.dataTransfer.getData('text/plain');
          const job = state.queue.find((x) => x.job_id === id);
          if (!job) return;
          state.selected = job;
          renderSide();
          state.assign(tech.technician_id, null);
        } },
        h('div', { class: 'tl-name' }, h('strong', {}, tech.technician_id), ` ${tech.name}`,
          h('div', { class: 'muted small' }, (tech.skills || []).join(', '))),
        track,
        h('div', { class: 'tl-loose' }, loose.map((j) => h('span', { class: `chip ${j.state === 'JOB_STATE_IN_PROGRESS' ? 'busy' : ''}`, 'data-job': j.job_id },
          (j.customer || {}).name || j.job_id))));
      return row;
    });
    clear(timelineEl, h('h2', {}, t('board.timelines')), h('p', { class: 'muted small' }, t('board.dropHelp')), scale, rows);
  }

  // The optimiser: PreviewPlan / CommitPlan when the scheduling service offers them.
  async function renderPlan() {
    if (state.planAvailable === null) {
      try {
        const doc = await api.get('/api/openapi.json');
        const paths = Object.keys(doc.paths || {});
        state.planAvailable = paths.some((p) => p.endsWith('/scheduling/PreviewPlan')) && paths.some((p) => p.endsWith('/scheduling/CommitPlan'));
      } catch { state.planAvailable = false; }
    }
    const names = [...new Set(state.techs.map((x) => x.territory && x.territory.name).filter(Boolean))].sort();
    const territory = input('territory', { placeholder: names[0] || '', list: 'territory-names', value: state.territory || names[0] || '' });
    territory.addEventListener('change', () => { state.territory = territory.value.trim(); });
    const territoryList = h('datalist', { id: 'territory-names' }, names.map((n) => h('option', { value: n })));
    const dayIn = input('day', { type: 'date', value: new Date().toLocaleDateString('sv') });
    const replan = input('replan_from', { type: 'time' });
    const limit = input('time_limit_seconds', { inputmode: 'decimal', value: '3', size: 3 });
    const preview = h('button', { type: 'submit', disabled: !state.planAvailable, 'data-testid': 'plan-preview' }, t('board.preview'));
    const form = h('form', { class: 'row wrap', novalidate: true }, field('board.territory', territory), field('board.day', dayIn),
      field('board.replanFrom', replan), field('board.timeLimit', limit), preview);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      preview.disabled = true;
      try {
        const day = new Date(`${dayIn.value || new Date().toLocaleDateString('sv')}T12:00`);
        const body = { request_id: requestId(), territory: territory.value.trim(), day: day.toISOString(), time_limit_seconds: Number(limit.value) || 0 };
        if (replan.value) body.replan_from = new Date(`${dayIn.value}T${replan.value}`).toISOString();
        state.plan = await api.call('scheduling', 'PreviewPlan', body);
        renderPlan();
      } catch (err) {
        if (err.status === 401) { ctx.onAuthError(); return; }
        showError(form, err);
      } finally { preview.disabled = !state.planAvailable; }
    });
    clear(planEl, h('h2', {}, t('board.optimiser')), form, territoryList,
      names.length ? null : h('p', { class: 'muted small' }, t('board.noTerritories')),
      state.planAvailable ? null : h('p', { class: 'muted small' }, t('board.planUnavailable')),
      state.plan ? planView(state.plan) : null);
  }

  function planView(plan) {
    const changeText = (c) => t(`plan.${c || 'PLAN_CHANGE_UNSPECIFIED'}`);
    const commit = button('board.commit', async () => {
      commit.disabled = true;
      try {
        await api.call('scheduling', 'CommitPlan', { request_id: requestId(), plan_id: plan.plan_id });
        state.plan = null;
        banner(root, t('board.committed'), 'ok');
        renderPlan(); await load();
      } catch (err) {
        if (err.status === 401) { ctx.onAuthError(); return; }
        showError(planEl, err);
      } finally { commit.disabled = false; }
    }, { class: 'primary', disabled: plan.committed, 'data-testid': 'plan-commit' });
    return h('div', { class: 'plan-view', 'data-plan': plan.plan_id },
      h('p', {}, t('board.planSummary', { changes: plan.changes || 0, km: Number(plan.travel_km || 0).toFixed(1),
        late: num(plan.sla_late_minutes), s: Number(plan.solve_seconds || 0).toFixed(1) })),
      h('div', { class: 'table-wrap' }, h('table', {},
        h('thead', {}, h('tr', {}, ['board.technician', 'board.visit', 'board.change', 'board.reason'].map((k) => h('th', {}, t(k))))),
        h('tbody', {}, (plan.technicians || []).flatMap((tp) => (tp.visits || []).map((v, i) => h('tr', { class: v.change === 'PLAN_CHANGE_UNCHANGED' ? 'muted' : '' },
          h('td', {}, i === 0 ? `${tp.technician_id} ${tp.name} · ${Number(tp.travel_km || 0).toFixed(1)} km` : ''),
          h('td', {}, `${fmtTime(v.start, false)}–${fmtTime(v.end, false)} · ${v.ticket_id || v.job_id}`,
            num(v.sla_late_minutes) ? h('span', { class: 'sla breached' }, ` +${minutesText(num(v.sla_late_minutes))}`) : null),
          h('td', {}, changeText(v.change), v.previous_technician_id && v.change === 'PLAN_CHANGE_REASSIGNED' ? ` (${v.previous_technician_id})` : ''),
          h('td', { class: 'small' }, v.reason || '')))),
          (plan.unassigned || []).map((u) => h('tr', { class: 'low' }, h('td', {}, t('mgr.unassigned')), h('td', {}, u.ticket_id || u.job_id),
            h('td', {}, changeText(u.change)), h('td', { class: 'small' }, u.reason || '')))))),
      h('div', { class: 'row' }, commit, button('common.cancel', () => { state.plan = null; renderPlan(); })));
  }

  // Live updates: EventSource resends Last-Event-ID by itself on a dropped connection; when the
  // browser gives up (closed), we reopen from the last position we saw.
  let es = null, reloadTimer = null, closed = false, retry = 1000;
  let lastPos = sessionStorage.getItem(POS_KEY) || '';
  let events = 0;
  async function connect() {
    if (closed) return;
    // The access token lives 15 minutes: the gateway ends the stream when it expires and the
    // browser's own retry (same URL, old token) is refused, so every (re)connect takes a fresh one.
    let bearer = '';
    try { bearer = await freshToken(); } catch (err) { if (err.status === 401 || err.status === 403) return; }
    if (closed) return;
    const q = new URLSearchParams({ access_token: bearer });
    if (lastPos) q.set('from', lastPos);
    es = new EventSource(`/api/v1/scheduling/WatchBoard/events?${q}`);
    es.onopen = () => { retry = 1000; renderLive('on'); };
    es.onmessage = (e) => {
      if (e.lastEventId) { lastPos = e.lastEventId; sessionStorage.setItem(POS_KEY, lastPos); }
      events++;
      try {
        const u = JSON.parse(e.data);
        const sch = (u.event && u.event.scheduling) || {};
        const kind = Object.keys(sch).find((k) => sch[k] && typeof sch[k] === 'object') || '';
        state.live.unshift(`${kind.replace(/_/g, ' ')} · ${(u.event && u.event.aggregate_id) || ''}`);
        state.live.length = Math.min(state.live.length, 5);
      } catch { /* keep going */ }
      renderLive('on');
      clearTimeout(reloadTimer);
      reloadTimer = setTimeout(() => load().catch(() => {}), 400);
    };
    es.onerror = () => {
      renderLive('reconnecting');
      if (es.readyState === EventSource.CLOSED) {
        es.close();
        setTimeout(connect, retry);
        retry = Math.min(retry * 2, 30000);
      }
    };
  }
  function renderLive(status) {
    clear(liveEl, h('span', { class: `dot ${status}` }), ` ${t(`board.live.${status}`)}`,
      lastPos ? h('span', { class: 'muted small' }, ` #${lastPos} · ${events}`) : null,
      state.live.length ? h('span', { class: 'muted small live-last' }, ` · ${state.live[0]}`) : null);
    liveEl.dataset.position = lastPos;
    liveEl.dataset.events = String(events);
  }

  renderLive('connecting');
  await load();
  renderPlan();
  connect();
  // The cards' "… left" moves with the clock even when nothing happens on the board.
  const tick = setInterval(() => { if (!dragging) renderQueue(); }, 60e3);
  return () => { closed = true; if (es) es.close(); clearTimeout(reloadTimer); clearInterval(tick); };
}
