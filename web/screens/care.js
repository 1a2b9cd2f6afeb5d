// Care (回访): due callbacks with a call script, outcome buttons, the survey, complaints to handle.
import { t } from '../i18n.js';
import { api, num, requestId, hasRpc, listAll } from '../api.js';
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
  const messagesEl = h('section', { class: 'card', 'data-testid': 'care-messages' });
  const campaignsEl = h('section', { class: 'card', 'data-testid': 'campaigns' });
  root.append(h('h1', {}, t('care.title')), h('div', { class: 'board-grid' }, listEl, callEl), complaintsEl,
    h('div', { class: 'board-grid' }, messagesEl, campaignsEl));
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
    renderMessages().catch((err) => showError(messagesEl, err));
    renderCampaigns().catch((err) => showError(campaignsEl, err));
  }

  const KINDS = ['CARE_MESSAGE_KIND_CARE', 'CARE_MESSAGE_KIND_INSPECTION', 'CARE_MESSAGE_KIND_LICENCE',
    'CARE_MESSAGE_KIND_EVENT', 'CARE_MESSAGE_KIND_HOLIDAY', 'CARE_MESSAGE_KIND_WEATHER'];
  let msgStatus = 'scheduled';
  async function careCommand(scope, method, body, form) {
    if (form) clearErrors(form);
    try {
      await api.call('callbacks', method, { request_id: requestId(), ...body });
      await load();
      banner(scope, t('wh.done'), 'ok');
    } catch (err) {
      if (err.status === 401) { ctx.onAuthError(); return; }
      showError(form || scope, err);
    }
  }

  // Care messages (callbacks' care desk): those waiting to go out, sent, failed or skipped; the
  // agent (or the SMS gateway) reports sent / delivered / failed; a new message to a customer by
  // phone.
  async function renderMessages() {
    if (!(await hasRpc('callbacks', 'ListCareMessages'))) {
      clear(messagesEl, h('h2', {}, t('care.messages')), h('p', { class: 'muted small' }, t('care.messagesUnavailable')));
      return;
    }
    const list = await listAll('callbacks', 'ListCareMessages', { status: msgStatus }, 'messages', 2);
    const statusSel = select('status', ['scheduled', 'sent', 'failed', 'skipped', 'delivered'].map((x) => [x, t(`care.msg.${x}`)]), msgStatus);
    statusSel.addEventListener('change', () => { msgStatus = statusSel.value; renderMessages().catch((err) => showError(messagesEl, err)); });
    const rows = list.slice(-50).reverse().map((m) => {
      const box = h('td', {});
      if (m.status === 'scheduled') box.append(button('care.msgSent', () => careCommand(messagesEl, 'RecordCareMessageSent', { message_id: m.message_id, expected_version: String(num(m.version)) }), { class: 'small' }));
      if (m.status === 'sent') {
        box.append(button('care.msgDelivered', () => careCommand(messagesEl, 'RecordCareMessageDelivery', { message_id: m.message_id, delivered: true, expected_version: String(num(m.version)) }), { class: 'small' }), ' ');
        const why = input('failure_reason', { placeholder: t('care.msgFailReason'), size: 12 });
        const f = h('form', { class: 'inline', novalidate: true }, why, h('button', { type: 'submit', class: 'small' }, t('care.msgFailed')));
        f.addEventListener('submit', (e) => { e.preventDefault(); careCommand(messagesEl, 'RecordCareMessageDelivery', { message_id: m.message_id, delivered: false, failure_reason: why.value.trim(), expected_version: String(num(m.version)) }, f); });
        box.append(f);
      }
      return h('tr', { 'data-message': m.message_id }, h('td', {}, `${m.customer_name || m.customer_id} ${m.customer_phone || ''}`),
        h('td', {}, t(`care.kind.${m.kind}`)), h('td', { class: 'small' }, m.text),
        h('td', { class: 'small' }, m.status === 'skipped' ? (m.skip_detail || m.skip_reason) : m.status === 'failed' ? m.failure_reason : fmtTime(m.scheduled_for)), box);
    });
    const phone = input('phone', { type: 'tel', placeholder: '138…' });
    const kind = select('kind', KINDS.map((k) => [k, t(`care.kind.${k}`)]), KINDS[0]);
    const text = input('text', { size: 30 });
    const when = input('scheduled_for', { type: 'datetime-local' });
    const form = h('form', { class: 'row wrap', novalidate: true }, field('care.complaintPhone', phone), field('care.msgKind', kind),
      field('care.msgText', text), field('care.msgWhen', when), h('button', { type: 'submit', class: 'primary' }, t('care.msgSchedule')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault(); clearErrors(form);
      let cust;
      try { cust = await api.call('intake', 'FindCustomerByPhone', { phone: phone.value.trim() }); } catch (err) { err.field = 'phone'; showError(form, err); return; }
      const body = { customer_id: cust.customer_id, kind: kind.value, text: text.value.trim() };
      if (when.value) body.scheduled_for = new Date(when.value).toISOString();
      careCommand(messagesEl, 'ScheduleCareMessage', body, form);
    });
    clear(messagesEl, h('div', { class: 'row' }, h('h2', {}, t('care.messages')), field('care.msgStatus', statusSel)),
      table(['care.msgTo', 'care.msgKind', 'care.msgText', 'care.msgWhenOrWhy', ''], rows), h('h3', {}, t('care.msgNew')), form);
  }

  // Campaigns: run callbacks or messages to a segment (tier, product, region, last visit).
  async function renderCampaigns() {
    if (!(await hasRpc('callbacks', 'ListCampaigns'))) { clear(campaignsEl); return; }
    const list = await listAll('callbacks', 'ListCampaigns', {}, 'campaigns', 2);
    const name = input('name');
    const action = select('action', [['message', t('care.campAction.message')], ['callback', t('care.campAction.callback')]], 'message');
    const kind = select('kind', KINDS.map((k) => [k, t(`care.kind.${k}`)]), KINDS[0]);
    const text = input('text', { size: 30 });
    const categories = input('product_categories', { placeholder: 'washing-machine, …' });
    const regions = input('regions', { placeholder: 'Qingdao/Shinan' });
    const before = input('last_visit_before', { type: 'date' });
    const form = h('form', { class: 'row wrap', novalidate: true }, field('care.campName', name), field('care.campAction', action), field('care.msgKind', kind),
      field('care.msgText', text), field('care.campCategories', categories), field('care.campRegions', regions), field('care.campBefore', before),
      h('button', { type: 'submit', class: 'primary' }, t('care.campLaunch')));
    const split = (v) => v.split(/[,，\s]+/).filter(Boolean);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const segment = { product_categories: split(categories.value), regions: split(regions.value) };
      if (before.value) segment.last_visit_before = new Date(`${before.value}T00:00`).toISOString();
      const body = { name: name.value.trim(), action: action.value, text: text.value.trim(), segment };
      if (action.value === 'message') body.kind = kind.value;
      careCommand(campaignsEl, 'LaunchCampaign', body, form);
    });
    clear(campaignsEl, h('h2', {}, t('care.campaigns')),
      table(['care.campName', 'care.campAction', 'care.campTargeted', 'care.campCreated', 'care.campSkipped', 'care.campResult'],
        list.slice(-20).reverse().map((c) => { const l = c.launched || {}; return h('tr', { 'data-campaign': l.campaign_id },
          h('td', {}, `${l.name} · ${fmtTime(l.launched_at)}`), h('td', {}, t(`care.campAction.${l.action}`)),
          h('td', { class: 'n' }, num(c.targeted)), h('td', { class: 'n' }, num(c.created)), h('td', { class: 'n' }, num(c.skipped)),
          h('td', { class: 'small' }, l.action === 'callback' ? t('care.campReached', { n: num(c.reached) }) : t('care.campDelivered', { d: num(c.delivered), f: num(c.failed) }))); })),
      h('h3', {}, t('care.campNew')), form);
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

  // Complaints to handle: every open complaint from intake (ListComplaints; overdue first
  // response first, then the oldest), with the customer's name; any customer's by phone too.
  // With an older intake without ListComplaints: those of customers a callback found
  // dissatisfied.
  const customers = new Map();
  async function customerOf(id) {
    if (!customers.has(id)) customers.set(id, api.call('intake', 'GetCustomer', { customer_id: id }).catch(() => ({ customer_id: id, name: id })));
    return customers.get(id);
  }
  async function renderComplaints(dissatisfied) {
    const phone = input('phone', { type: 'tel', placeholder: '138…' });
    const out = h('div', { 'data-testid': 'complaint-list' });
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
    async function showOpen() {
      const open = await listAll('intake', 'ListComplaints', { state: 'COMPLAINT_STATE_FILTER_OPEN' }, 'complaints', 4);
      const now = Date.now();
      const overdue = (x) => !x.first_responded_at && x.first_response_due && Date.parse(x.first_response_due) < now;
      open.sort((a, b) => (overdue(b) - overdue(a)) || (Date.parse(a.registered_at || 0) - Date.parse(b.registered_at || 0)));
      const shown = open.slice(0, 50);
      const custs = await Promise.all(shown.map((x) => customerOf(x.customer_id)));
      clear(out, shown.length ? shown.map((x, i) => complaintCard(custs[i], x)) : h('p', { class: 'muted' }, t('care.noComplaints')),
        open.length > shown.length ? h('p', { class: 'muted small' }, t('care.moreComplaints', { n: open.length - shown.length })) : null);
    }
    const listed = await hasRpc('intake', 'ListComplaints');
    clear(complaintsEl, h('h2', {}, t('care.complaints')), h('p', { class: 'muted small' }, t(listed ? 'care.complaintsAll' : 'care.complaintsHelp')), form, out);
    try {
      if (listed) await showOpen(); else await showFor(dissatisfied.slice(-20).map((c) => c.customer_phone));
    } catch (err) { if (err.status === 401) { ctx.onAuthError(); return; } showError(out, err); }
  }

  function complaintCard(cust, x) {
    const form = h('form', { class: 'complaint card', novalidate: true, 'data-complaint': x.complaint_id });
    const step = select('step', STEPS.map((s) => [s, t(`care.step.${s}`)]), 'listen');
    const text = input('text');
    const add = button('care.addNote', () => change('AddComplaintNote', add), { class: 'small', 'data-testid': 'complaint-note' });
    const close = button('care.closeSatisfied', () => change('CloseComplaint', close, { basis: 'customer_satisfied' }), { class: 'small', 'data-testid': 'complaint-close' });
    // A manager may close it on their own authority when the customer cannot be satisfied.
    const signoff = ['manager', 'admin'].includes(ctx.user.role)
      ? button('care.closeSignoff', () => change('CloseComplaint', signoff, { basis: 'manager_signoff' }), { class: 'small' }) : null;
    async function change(method, btn, extra = {}) {
      clearErrors(form); btn.disabled = true;
      try {
        await api.call('intake', method, { request_id: requestId(), complaint_id: x.complaint_id, expected_version: String(num(x.version)),
          step: step.value, text: text.value.trim(), device_time: new Date().toISOString(), ...extra });
        await load();
        banner(complaintsEl, t('wh.done'), 'ok');
      } catch (err) { showError(form, err); } finally { btn.disabled = false; }
    }
    const dueSoon = x.first_response_due && !x.first_responded_at;
    clear(form, h('div', { class: 'qline' }, h('strong', {}, `${(cust && cust.name) || x.customer_id} · ${x.kind}`),
      dueSoon ? h('span', { class: `sla ${Date.parse(x.first_response_due) < Date.now() ? 'breached' : 'risk'}` }, `${t('care.respondBy')} ${fmtTime(x.first_response_due)}`) : null),
      h('p', {}, x.description),
      (x.notes || []).length ? h('ul', { class: 'small' }, x.notes.map((n) => h('li', {}, `${t(`care.step.${n.step}`)}: ${n.text} (${n.user_id}, ${fmtTime(n.at)})`))) : null,
      h('div', { class: 'muted small' }, `${x.complaint_id} · ${x.channel || ''} · ${x.ticket_id || ''} ${x.technician_id ? `· ${x.technician_id}` : ''} · ${t('care.registered')} ${fmtTime(x.registered_at)}`),
      h('div', { class: 'row wrap' }, field('care.step', step), field('care.text', text), add, close, signoff));
    return form;
  }

  await load();
  return () => {};
}
