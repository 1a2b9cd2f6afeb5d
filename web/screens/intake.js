// The intake form: customer look-up by phone with history, registration, asset and entitlement,
// the promise made, and opening the ticket.
import { t } from '../i18n.js';
import { api, num, requestId } from '../api.js';
import { h, clear, field, input, select, button, showError, clearErrors, banner, fmtTime, fmtDate,
         enumText, parseParts, partsText, section, table } from '../ui.js';

const CATEGORIES = ['refrigerator', 'washing-machine', 'air-conditioner', 'water-heater', 'television'];
const PRIORITIES = ['PRIORITY_NORMAL', 'PRIORITY_LOW', 'PRIORITY_HIGH', 'PRIORITY_URGENT'];
const CHANNELS = ['phone', 'web', 'walk-in', 'partner', 'app'];
const CAUSES = ['unknown', 'product_fault', 'misuse', 'force_majeure', 'human_damage'];
const TIERS = ['CUSTOMER_TIER_C', 'CUSTOMER_TIER_B', 'CUSTOMER_TIER_A', 'CUSTOMER_TIER_KEY_ACCOUNT'];

const catText = (c) => { const k = `cat.${c}`; const v = t(k); return v === k ? c || '—' : v; };

export async function mount(view, ctx) {
  let customer = null;
  let history = null;
  const root = h('div', { class: 'intake' });
  const lookupEl = h('section', { class: 'card' });
  const customerEl = h('div');
  const ticketEl = h('div');
  const resultEl = h('div', { 'data-testid': 'ticket-result' });
  root.append(h('h1', {}, t('intake.title')), lookupEl, customerEl, ticketEl, resultEl);
  view.append(root);

  const phone = input('phone', { type: 'tel', inputmode: 'tel', autocomplete: 'off', placeholder: '138 0532 1234', 'data-testid': 'lookup-phone' });
  const find = h('button', { type: 'submit', class: 'primary', 'data-testid': 'lookup' }, t('intake.lookup'));
  const lookupForm = h('form', { class: 'row', novalidate: true }, field('intake.phone', phone), find);
  lookupForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(lookupForm);
    clear(resultEl);
    find.disabled = true;
    try {
      customer = await api.call('intake', 'FindCustomerByPhone', { phone: phone.value.trim() });
      history = await api.call('intake', 'GetCustomerHistory', { customer_id: customer.customer_id });
      renderCustomer();
    } catch (err) {
      if (err.status === 401) { ctx.onAuthError(); return; }
      if (err.code === 'NOT_FOUND') { customer = null; history = null; renderRegister(phone.value.trim()); }
      else showError(lookupForm, err);
    } finally { find.disabled = false; }
  });
  lookupEl.append(h('h2', {}, t('intake.find')), lookupForm);

  function renderRegister(phoneValue) {
    clear(ticketEl);
    const form = h('form', { class: 'grid2', novalidate: true, 'data-testid': 'register-form' });
    const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'register' }, t('intake.register'));
    clear(form,
      field('intake.name', input('name', { required: true, autocomplete: 'off' })),
      field('intake.phones', input('phones', { value: phoneValue }), 'intake.phonesHint'),
      field('intake.address', input('address')),
      field('intake.tier', select('tier', TIERS.map((x) => [x, enumText(x)]), 'CUSTOMER_TIER_C')),
      field('intake.lat', input('lat', { inputmode: 'decimal', placeholder: '36.0671' })),
      field('intake.lng', input('lng', { inputmode: 'decimal', placeholder: '120.3826' })),
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'consent_to_messages' }), ` ${t('intake.consent')}`),
      h('div', { class: 'row' }, submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      const f = new FormData(form);
      const body = {
        request_id: requestId(), name: String(f.get('name')).trim(),
        phones: String(f.get('phones')).split(/[,，;]+/).map((x) => x.trim()).filter(Boolean),
        address: String(f.get('address')).trim(), tier: f.get('tier'),
        consent_to_messages: f.get('consent_to_messages') === 'on', device_time: new Date().toISOString(),
      };
      if (f.get('lat') || f.get('lng')) body.location = { lat: Number(f.get('lat')), lng: Number(f.get('lng')) };
      submit.disabled = true;
      try {
        const ack = await api.call('intake', 'RegisterCustomer', body);
        customer = await api.call('intake', 'GetCustomer', { customer_id: ack.aggregate_id });
        history = await api.call('intake', 'GetCustomerHistory', { customer_id: customer.customer_id });
        renderCustomer();
      } catch (err) {
        if (err.status === 401) { ctx.onAuthError(); return; }
        showError(form, err);
      } finally { submit.disabled = false; }
    });
    clear(customerEl, section('intake.newCustomer', h('p', { class: 'muted' }, t('intake.notFound')), form));
  }

  function renderCustomer() {
    const c = customer;
    const assets = (history && history.assets) || [];
    const tickets = (history && history.tickets) || [];
    const complaints = (history && history.complaints) || [];
    clear(customerEl, section('intake.customer',
      h('p', { 'data-testid': 'customer-card' }, h('strong', {}, c.name), ' ',
        c.tier === 'CUSTOMER_TIER_KEY_ACCOUNT' ? h('span', { class: 'badge key' }, t('enum.CUSTOMER_TIER_KEY_ACCOUNT')) : h('span', { class: 'badge' }, enumText(c.tier)),
        ` · ${(c.phones || []).join(', ')} · ${c.address || ''}`),
      h('h3', {}, t('intake.assets')),
      table(['intake.model', 'intake.serial', 'intake.category', 'intake.warrantyEnd', 'intake.contract'],
        assets.map((a) => h('tr', {}, h('td', {}, a.model), h('td', {}, a.serial), h('td', {}, a.category),
          h('td', {}, fmtDate(a.warranty_end), ' ', Date.parse(a.warranty_end) > Date.now()
            ? h('span', { class: 'badge ok' }, t('intake.inWarranty')) : h('span', { class: 'badge warn' }, t('intake.outOfWarranty'))),
          h('td', {}, a.contract && a.contract.name ? `${a.contract.name} (${promiseText(a.contract.promises)})` : '—')))),
      h('h3', {}, t('intake.history')),
      table(['intake.opened', 'intake.category', 'intake.symptom', 'intake.state', 'intake.technician'],
        tickets.slice().reverse().map((x) => h('tr', {}, h('td', {}, fmtTime(x.opened_at)), h('td', {}, catText(x.category)),
          h('td', {}, x.symptom), h('td', {}, enumText(x.state)), h('td', {}, x.technician_id || '—')))),
      assetForm(c),
      complaints.length ? h('div', {}, h('h3', {}, t('intake.complaints')),
        h('ul', {}, complaints.map((x) => h('li', {}, `${x.kind} · ${x.description} · ${x.closed ? t('common.closed') : t('common.open')}`)))) : null));
    renderTicketForm(assets);
  }

  // Registers a product of the customer (warranty counts from installation, default 2 years).
  function assetForm(c) {
    const form = h('form', { class: 'row wrap', novalidate: true, 'data-testid': 'asset-form' });
    const submit = h('button', { type: 'submit' }, t('intake.addAsset'));
    clear(form,
      field('intake.model', input('model', { size: 12 })),
      field('intake.serial', input('serial', { size: 12 })),
      field('intake.category', select('category', CATEGORIES.map((x) => [x, t(`cat.${x}`)]), CATEGORIES[0])),
      field('intake.installedOn', input('installed_on', { type: 'date' })),
      field('intake.warrantyEnd', input('warranty_end', { type: 'date' }), 'intake.warrantyHint'),
      submit);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      const f = form.elements;
      const day = (v) => (v ? new Date(`${v}T00:00`).toISOString() : undefined);
      submit.disabled = true;
      try {
        await api.call('intake', 'RegisterAsset', { request_id: requestId(), customer_id: c.customer_id, model: f.model.value.trim(),
          serial: f.serial.value.trim(), category: f.category.value, installed_on: day(f.installed_on.value),
          warranty_end: day(f.warranty_end.value), device_time: new Date().toISOString() });
        history = await api.call('intake', 'GetCustomerHistory', { customer_id: c.customer_id });
        renderCustomer();
      } catch (err) {
        if (err.status === 401) { ctx.onAuthError(); return; }
        showError(form, err);
      } finally { submit.disabled = false; }
    });
    return h('details', {}, h('summary', {}, t('intake.addAsset')), form);
  }

  function promiseText(p) {
    if (!p) return '';
    const parts = [];
    if (p.response_hours) parts.push(t('intake.respondIn', { h: p.response_hours }));
    if (p.on_site_hours) parts.push(t('intake.onSiteIn', { h: p.on_site_hours }));
    if (p.resolution_hours) parts.push(t('intake.resolveIn', { h: p.resolution_hours }));
    return parts.join(', ');
  }

  function renderTicketForm(assets) {
    const form = h('form', { class: 'grid2', novalidate: true, 'data-testid': 'ticket-form' });
    const assetSel = select('asset_id', [['', t('intake.noAsset')], ...assets.map((a) => [a.asset_id, `${a.model} · ${a.serial}`])], '');
    const category = select('category', CATEGORIES.map((x) => [x, t(`cat.${x}`)]), CATEGORIES[0]);
    const promise = input('service_promise', { value: t('intake.defaultPromise') });
    const assetInfo = h('div', { class: 'muted small' });
    assetSel.addEventListener('change', () => {
      const a = assets.find((x) => x.asset_id === assetSel.value);
      if (a) {
        category.value = CATEGORIES.includes(a.category) ? a.category : category.value;
        clear(assetInfo, `${t('intake.warrantyEnd')}: ${fmtDate(a.warranty_end)}`,
          a.contract && a.contract.name ? ` · ${a.contract.name}: ${promiseText(a.contract.promises)}` : '');
        if (a.contract && a.contract.promises && a.contract.promises.on_site_hours) {
          promise.value = t('intake.onSiteIn', { h: a.contract.promises.on_site_hours });
        }
      } else clear(assetInfo);
    });
    const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'open-ticket' }, t('intake.open'));
    clear(form,
      field('intake.asset', assetSel), assetInfo,
      field('intake.category', category),
      field('intake.symptom', h('textarea', { name: 'symptom', rows: 2 })),
      field('intake.priority', select('priority', PRIORITIES.map((x) => [x, enumText(x)]), 'PRIORITY_NORMAL')),
      field('intake.channel', select('channel', CHANNELS.map((x) => [x, t(`channel.${x}`)]), 'phone')),
      field('intake.faultCause', select('fault_cause', CAUSES.map((x) => [x, t(`cause.${x}`)]), 'unknown')),
      field('intake.partsNeeded', input('parts_needed', { placeholder: 'SEAL-040:1' }), 'intake.partsHint'),
      field('intake.promise', promise),
      h('div', { class: 'row' }, submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      clear(resultEl);
      const f = new FormData(form);
      const c = customer;
      const body = {
        request_id: requestId(),
        customer: { customer_id: c.customer_id, name: c.name, phone: (c.phones || [])[0] || '', address: c.address || '',
                    location: c.location || undefined },
        category: f.get('category'), symptom: String(f.get('symptom')).trim(), priority: f.get('priority'),
        channel: f.get('channel'), parts_needed: parseParts(f.get('parts_needed')),
        asset_id: f.get('asset_id') || '', fault_cause: f.get('fault_cause'),
        service_promise: String(f.get('service_promise')).trim(), device_time: new Date().toISOString(),
      };
      submit.disabled = true;
      try {
        const ack = await api.call('intake', 'OpenTicket', body);
        const ticket = await api.call('intake', 'GetTicket', { ticket_id: ack.aggregate_id });
        renderResult(ticket);
        history = await api.call('intake', 'GetCustomerHistory', { customer_id: c.customer_id });
        renderCustomer();
      } catch (err) {
        if (err.status === 401) { ctx.onAuthError(); return; }
        showError(form, err);
      } finally { submit.disabled = false; }
    });
    clear(ticketEl, section('intake.newTicket', form));
  }

  function renderResult(tk) {
    const ent = tk.entitlement || {};
    clear(resultEl, h('section', { class: 'card ok' },
      h('h2', {}, t('intake.opened')),
      h('p', {}, t('intake.ticketNo'), ' ', h('code', { 'data-testid': 'ticket-id' }, tk.ticket_id), ` · ${enumText(tk.state)} · ${enumText(tk.priority)}`),
      h('p', {}, h('strong', {}, t('intake.entitlement')), ': ', ent.coverage && ent.coverage !== 'COVERAGE_UNSPECIFIED'
        ? `${enumText(ent.coverage)} — ${ent.explanation || ''}` : t('intake.noEntitlement')),
      h('p', {}, h('strong', {}, t('intake.promise')), ': ', tk.service_promise || '—'),
      tk.parts_needed && tk.parts_needed.length ? h('p', {}, `${t('intake.partsNeeded')}: ${partsText(tk.parts_needed)}`) : null));
  }

  phone.focus();
  return () => {};
}
