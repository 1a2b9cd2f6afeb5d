// Care (回访): due callbacks with a call script, outcome buttons, the survey, complaints to handle.
import { t } from '../i18n.js';
import { api, num, requestId } from '../api.js';
import { h, clear, field, input, select, button, showError, clearErrors, banner, fmtTime, enumText, table } from '../ui.js';

const QUESTIONS = ['attitude', 'quality', 'fixed', 'punctuality', 'respect_for_property', 'no_extra_fee'];
const OUTCOMES = ['ATTEMPT_OUTCOME_POWERED_OFF', 'ATTEMPT_OUTCOME_LINE_SUSPENDED', 'ATTEMPT_OUTCOME_NO_ANSWER',
  'ATTEMPT_OUTCOME_REFUSED', 'ATTEMPT_OUTCOME_WRONG_NUMBER', 'ATTEMPT_OUTCOME_EMPTY_NUMBER', 'ATTEMPT_OUTCOME_ASSET_TRANSFERRED'];
const STEPS = ['listen', 'apologise', 'facts', 'propose', 'customer_view', 'follow_up', 'note'];

export async function mount(view, ctx) {
  const me = ctx.user.username;
  let mine = [], pool = [], selected = sessionStorage.getItem('fieldline.care.cb') || '';
  const root = h('div', { class: 'care' });
  const listEl = h('section', { class: 'card', 'data-testid': 'due-callbacks' });
  const callEl = h('section', { class: 'card', 'data-testid': 'call' });
  const complaintsEl = h('section', { class: 'card', 'data-testid': 'complaints' });
  root.append(h('h1', {}, t('care.title')), h('div', { class: 'board-grid' }, listEl, callEl), complaintsEl);
  view.append(root);

  async function load() {
    const due = await api.call('callbacks', 'ListDueCallbacks', {});
    mine = due.callbacks || [];
    const all = [];
    let page_token = '';
    for (let i = 0; i < 20; i++) {
      const r = await api.call('callbacks', 'ListCallbacks', { page_size: 500, page_token });
      all.push(...(r.callbacks || []));
      page_token = r.next_page_token;
      if (!page_token) break;
    }
    pool = all.filter((c) => c.state === 'CALLBACK_STATE_DUE' && !c.agent_id);
    pool.sort((a, b) => Date.parse(a.due_at) - Date.parse(b.due_at));
    renderList(); await renderCall();
    renderComplaints(all.filter((c) => c.dissatisfied));
  }

  function item(c, takeable) {
    const b = takeable ? button('care.take', async () => {
      try {
        await api.call('callbacks', 'AssignCallback', { request_id: requestId(), callback_id: c.callback_id, agent_id: me, expected_version: String(num(c.version)) });
        selected = c.callback_id; sessionStorage.setItem('fieldline.care.cb', selected);
        await load();
      } catch (err) { showError(listEl, err); }
    }, { class: 'small', 'data-callback': c.callback_id }) : null;
    return h('li', { class: `cb ${c.overdue ? 'overdue' : ''} ${selected === c.callback_id ? 'selected' : ''}`, 'data-callback': c.callback_id, 'data-ticket': c.ticket_id },
      h('div', { class: 'qline' },
        h('a', { href: '#/care', onclick: (e) => { e.preventDefault(); if (!takeable) { selected = c.callback_id; sessionStorage.setItem('fieldline.care.cb', selected); renderList(); renderCall(); } } },
          h('strong', {}, c.customer_name || '—'), ` ${c.customer_phone || ''}`),
        c.overdue ? h('span', { class: 'sla breached' }, t('care.overdue')) : h('span', { class: 'muted small' }, `${t('care.due')} ${fmtTime(c.due_at)}`), b),
      h('div', { class: 'muted small' }, `${enumText(c.priority)} · ${t(`care.reason.${c.reason}`)} · ${c.technician_id} · ${(c.attempts || []).length} ${t('care.calls')}`));
  }

  function renderList() {
    clear(listEl, h('h2', {}, t('care.mine'), ' ', h('span', { class: 'badge' }, String(mine.length))),
      mine.length ? h('ul', { class: 'cbs' }, mine.map((c) => item(c, false))) : h('p', { class: 'muted' }, t('care.noneMine')),
      h('h2', {}, t('care.pool'), ' ', h('span', { class: 'badge' }, String(pool.length))),
      pool.length ? h('ul', { class: 'cbs' }, pool.slice(0, 100).map((c) => item(c, true))) : h('p', { class: 'muted' }, t('care.nonePool')));
  }

  async function renderCall() {
    const c = mine.find((x) => x.callback_id === selected);
    if (!c) { clear(callEl, h('h2', {}, t('care.call')), h('p', { class: 'muted' }, t('care.pick'))); return; }
    let ticket = null;
    try { ticket = await api.call('intake', 'GetTicket', { ticket_id: c.ticket_id }); } catch { /* the script works without it */ }
    const form = h('form', { class: 'survey', novalidate: true });
    const note = input('note', { placeholder: t('care.notePh') });
    const scale = (q) => h('fieldset', { class: 'scale' }, h('legend', {}, t(`care.q.${q}`)),
      [1, 2, 3, 4, 5].map((v) => h('label', {}, h('input', { type: 'radio', name: q, value: String(v), checked: v === 5 }), ` ${v}`)),
      h('div', { class: 'field-error', 'data-error-for': `survey.${q}` }));
    const record = async (outcome, btn) => {
      clearErrors(form);
      btn.disabled = true;
      const body = { request_id: requestId(), callback_id: c.callback_id, outcome, note: note.value.trim(), expected_version: String(num(c.version)) };
      if (outcome === 'ATTEMPT_OUTCOME_REACHED') {
        body.survey = Object.fromEntries(QUESTIONS.map((q) => [q, Number((form.querySelector(`input[name="${q}"]:checked`) || {}).value || 0)]));
      }
      try {
        await api.call('callbacks', 'RecordCallbackAttempt', body);
        await load();
        banner(root, t('care.recorded', { name: c.customer_name || '' }), 'ok');
      } catch (err) {
        if (err.status === 401) { ctx.onAuthError(); return; }
        showError(form, err);
      } finally { btn.disabled = false; }
    };
    const reached = button('care.reached', () => record('ATTEMPT_OUTCOME_REACHED', reached), { class: 'primary big', 'data-outcome': 'REACHED' });
    clear(form,
      h('div', { class: 'script' }, h('h3', {}, t('care.script')),
        h('p', {}, t('care.script1', { name: c.customer_name || '', me: ctx.user.display_name || me })),
        h('p', {}, t('care.script2', { when: fmtTime(c.completed_at), what: ticket ? `${ticket.category} — ${ticket.symptom}` : '', tech: c.technician_id })),
        h('p', {}, t('care.script3'))),
      QUESTIONS.map(scale),
      h('div', { class: 'field-error', 'data-error-for': 'survey' }),
      field('care.note', note),
      h('div', { class: 'row wrap' }, reached,
        OUTCOMES.map((o) => { const b = button(`enum.${o}`, () => record(o, b), { class: 'small', 'data-outcome': o.replace('ATTEMPT_OUTCOME_', '') }); return b; })),
      h('div', { class: 'field-error', 'data-error-for': 'outcome' }),
      (c.attempts || []).length ? h('div', {}, h('h3', {}, t('care.attempts')), h('ul', {}, c.attempts.map((a) =>
        h('li', {}, `${fmtTime(a.attempted_at)} · ${enumText(a.outcome)} · ${a.agent_id} ${a.note ? `· ${a.note}` : ''}`)))) : null);
    clear(callEl, h('h2', {}, t('care.call'), ' · ', c.customer_name || ''),
      h('p', {}, h('a', { href: `tel:${c.customer_phone}`, class: 'big-link' }, `📞 ${c.customer_phone || '—'}`)), form);
  }

  // Complaints to handle: those of customers a callback found dissatisfied, and any customer's
  // by phone (intake keeps complaints with the customer's history).
  async function renderComplaints(dissatisfied) {
    const phone = input('phone', { type: 'tel', placeholder: '138…' });
    const out = h('div');
    const form = h('form', { class: 'row', novalidate: true }, field('care.complaintPhone', phone), h('button', { type: 'submit' }, t('intake.lookup')));
    form.addEventListener('submit', async (e) => { e.preventDefault(); clearErrors(form); try { await showFor([phone.value.trim()]); } catch (err) { showError(form, err); } });
    async function showFor(phones) {
      const rows = [];
      for (const p of [...new Set(phones)].filter(Boolean)) {
        let hist;
        try {
          const cust = await api.call('intake', 'FindCustomerByPhone', { phone: p });
          hist = await api.call('intake', 'GetCustomerHistory', { customer_id: cust.customer_id });
        } catch (err) { if (err.code === 'NOT_FOUND') continue; throw err; }
        for (const x of hist.complaints || []) if (!x.closed) rows.push(complaintCard(hist.customer, x));
      }
      clear(out, rows.length ? rows : h('p', { class: 'muted' }, t('care.noComplaints')));
    }
    clear(complaintsEl, h('h2', {}, t('care.complaints')), h('p', { class: 'muted small' }, t('care.complaintsHelp')), form, out);
    try { await showFor(dissatisfied.slice(-20).map((c) => c.customer_phone)); } catch (err) { showError(out, err); }
  }

  function complaintCard(cust, x) {
    const form = h('form', { class: 'complaint card', novalidate: true, 'data-complaint': x.complaint_id });
    const step = select('step', STEPS.map((s) => [s, t(`care.step.${s}`)]), 'listen');
    const text = input('text');
    const add = button('care.addNote', () => change('AddComplaintNote', add), { class: 'small' });
    const close = button('care.closeSatisfied', () => change('CloseComplaint', close, { basis: 'customer_satisfied' }), { class: 'small' });
    async function change(method, btn, extra = {}) {
      clearErrors(form); btn.disabled = true;
      try {
        await api.call('intake', method, { request_id: requestId(), complaint_id: x.complaint_id, expected_version: String(num(x.version)),
          step: step.value, text: text.value.trim(), device_time: new Date().toISOString(), ...extra });
        banner(complaintsEl, t('wh.done'), 'ok');
        await load();
      } catch (err) { showError(form, err); } finally { btn.disabled = false; }
    }
    const dueSoon = x.first_response_due && !x.first_responded_at;
    clear(form, h('div', { class: 'qline' }, h('strong', {}, `${cust.name} · ${x.kind}`),
      dueSoon ? h('span', { class: `sla ${Date.parse(x.first_response_due) < Date.now() ? 'breached' : 'risk'}` }, `${t('care.respondBy')} ${fmtTime(x.first_response_due)}`) : null),
      h('p', {}, x.description),
      (x.notes || []).length ? h('ul', { class: 'small' }, x.notes.map((n) => h('li', {}, `${t(`care.step.${n.step}`)}: ${n.text} (${n.user_id}, ${fmtTime(n.at)})`))) : null,
      h('div', { class: 'row wrap' }, field('care.step', step), field('care.text', text), add, close));
    return form;
  }

  await load();
  return () => {};
}
