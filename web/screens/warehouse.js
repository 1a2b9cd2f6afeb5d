// Warehouse: stock per location, receiving, transfers, returns, low stock, van restock lists.
import { t } from '../i18n.js';
import { api, num, requestId, listAll as listAllOf } from '../api.js';
import { h, clear, field, input, select, button, showError, clearErrors, banner, money, enumText, table } from '../ui.js';

const listAll = (method, key, body = {}) => listAllOf('inventory', method, body, key);

export async function mount(view, ctx) {
  let parts = [], locations = [];
  let loc = sessionStorage.getItem('fieldline.wh.loc') || 'WH-CENTRAL';
  const root = h('div', { class: 'warehouse' });
  const stockEl = h('section', { class: 'card', 'data-testid': 'stock' });
  const lowEl = h('section', { class: 'card', 'data-testid': 'low-stock' });
  const movesEl = h('section', { class: 'card' });
  const transfersEl = h('section', { class: 'card', 'data-testid': 'transfers' });
  const vanEl = h('section', { class: 'card', 'data-testid': 'van-restock' });
  root.append(h('h1', {}, t('wh.title')), stockEl, lowEl, movesEl, transfersEl, vanEl);
  view.append(root);

  async function load() {
    [parts, locations] = await Promise.all([listAll('ListParts', 'parts'), listAll('ListLocations', 'locations')]);
    if (!locations.some((l) => l.location_id === loc) && locations.length) loc = locations[0].location_id;
    await renderStock(); renderLow(); renderMoves(); renderTransfers(); renderVan();
  }
  const locOptions = (withEmpty) => [...(withEmpty ? [['', '—']] : []), ...locations.map((l) => [l.location_id, `${l.location_id} · ${l.name}`])];
  const skuOptions = () => parts.map((p) => [p.sku, `${p.sku} · ${p.name}`]);

  // A location's stock from inventory's per-location view (GetLocationStock, paged by SKU), not
  // from the whole parts list.
  async function renderStock() {
    const sel = select('location', locOptions(false), loc);
    sel.setAttribute('data-testid', 'stock-location');
    sel.addEventListener('change', () => { loc = sel.value; sessionStorage.setItem('fieldline.wh.loc', loc); renderStock().catch((e) => showError(stockEl, e)); });
    const l = locations.find((x) => x.location_id === loc);
    const here = loc ? await listAll('GetLocationStock', 'parts', { location_id: loc }) : [];
    const cost = new Map(parts.map((p) => [p.sku, p.average_cost_minor]));
    const rows = here.map((ps) => {
      const s = ps.stock || {};
      const p = { sku: ps.sku, name: ps.name, average_cost_minor: cost.get(ps.sku) };
      const low = num(s.min_available) > 0 && num(s.available) < num(s.min_available);
      return h('tr', { class: low ? 'low' : '', 'data-sku': p.sku },
        h('td', {}, h('strong', {}, p.sku), ` ${p.name}`),
        h('td', { class: 'n', 'data-col': 'on_hand' }, num(s.on_hand)),
        h('td', { class: 'n', 'data-col': 'reserved' }, num(s.reserved)),
        h('td', { class: 'n', 'data-col': 'available' }, num(s.available)),
        h('td', { class: 'n' }, num(s.in_transit)),
        h('td', { class: 'n' }, num(s.min_available) ? `${num(s.min_available)} → ${num(s.target_quantity)}` : '—'),
        h('td', { class: 'n' }, money(p.average_cost_minor)));
    }).filter(Boolean);
    clear(stockEl, h('div', { class: 'row' }, h('h2', {}, t('wh.stock')), field('wh.location', sel),
      button('common.refresh', () => load().catch((e) => showError(stockEl, e)), { class: 'small' })),
      l ? h('p', { class: 'muted small' }, `${enumText(l.kind)} · ${l.address || ''} ${l.owner_technician_id ? `· ${l.owner_technician_id}` : ''}`) : null,
      table(['wh.part', 'wh.onHand', 'wh.reserved', 'wh.available', 'wh.inTransit', 'wh.reorder', 'wh.avgCost'], rows));
  }

  function renderLow() {
    const rows = [];
    for (const p of parts) for (const s of p.locations || []) {
      if (num(s.min_available) > 0 && num(s.available) < num(s.min_available)) {
        rows.push(h('tr', {}, h('td', {}, p.sku), h('td', {}, s.location_id), h('td', { class: 'n' }, num(s.available)),
          h('td', { class: 'n' }, num(s.min_available)), h('td', {}, s.replenishment_open ? t('wh.replenishing') : t('wh.needsOrder'))));
      }
      if (num(p.backordered) > 0 && s === p.locations[0]) {
        rows.push(h('tr', { class: 'low' }, h('td', {}, p.sku), h('td', {}, t('wh.backordered')), h('td', { class: 'n' }, num(p.backordered)), h('td'), h('td', {}, (p.backorders || []).map((b) => b.job_id).join(', '))));
      }
    }
    const sku = select('sku', skuOptions(), parts[0] && parts[0].sku);
    const l = select('location_id', locOptions(false), loc);
    const form = h('form', { class: 'row wrap', novalidate: true }, field('wh.sku', sku), field('wh.location', l),
      field('wh.minAvailable', input('min_available', { inputmode: 'numeric', size: 5 })),
      field('wh.target', input('target_quantity', { inputmode: 'numeric', size: 5 })),
      h('button', { type: 'submit' }, t('wh.setReorder')));
    form.addEventListener('submit', (e) => { e.preventDefault(); command(form, 'SetReorderPoint', { sku: sku.value, location_id: l.value,
      min_available: form.min_available.value, target_quantity: form.target_quantity.value }); });
    clear(lowEl, h('h2', {}, t('wh.low')), table(['wh.part', 'wh.location', 'wh.available', 'wh.minAvailable', 'wh.status'], rows),
      h('h3', {}, t('wh.reorderPoint')), form);
  }

  async function command(form, method, body, okKey = 'wh.done') {
    clearErrors(form);
    const btn = form.querySelector('button[type=submit]');
    if (btn) btn.disabled = true;
    try {
      await api.call('inventory', method, { request_id: requestId(), ...body });
      await load();
      banner(root, t(okKey), 'ok');
    } catch (err) {
      if (err.status === 401) { ctx.onAuthError(); return; }
      showError(form, err);
    } finally { if (btn) btn.disabled = false; }
  }

  function renderMoves() {
    const recv = h('form', { class: 'row wrap', novalidate: true, 'data-testid': 'receive-form' },
      field('wh.sku', select('sku', skuOptions())), field('wh.location', select('location_id', locOptions(false), loc)),
      field('wh.quantity', input('quantity', { inputmode: 'numeric', size: 5 })),
      field('wh.unitCost', input('unit_cost_minor', { inputmode: 'numeric', size: 7 }), 'wh.fen'),
      field('wh.serials', input('serials', { placeholder: 'SN1, SN2' })),
      h('button', { type: 'submit', class: 'primary' }, t('wh.receive')));
    recv.addEventListener('submit', (e) => { e.preventDefault(); const f = recv.elements;
      command(recv, 'ReceiveStock', { sku: f.sku.value, location_id: f.location_id.value, quantity: f.quantity.value || '0',
        unit_cost_minor: f.unit_cost_minor.value || '0', serials: splitList(f.serials.value) }); });
    const ret = h('form', { class: 'row wrap', novalidate: true },
      field('wh.sku', select('sku', skuOptions())), field('wh.from', select('from_location_id', locOptions(false))),
      field('wh.to', select('to_location_id', locOptions(false), 'WH-CENTRAL')),
      field('wh.quantity', input('quantity', { inputmode: 'numeric', size: 5 })),
      h('button', { type: 'submit' }, t('wh.returnUnused')));
    ret.addEventListener('submit', (e) => { e.preventDefault(); const f = ret.elements;
      command(ret, 'ReturnUnused', { sku: f.sku.value, from_location_id: f.from_location_id.value, to_location_id: f.to_location_id.value, quantity: f.quantity.value || '0' }); });
    const pick = h('form', { class: 'row wrap', novalidate: true },
      field('wh.sku', select('sku', skuOptions())), field('wh.from', select('from_location_id', locOptions(false), 'WH-CENTRAL')),
      field('wh.to', select('to_location_id', locOptions(false))),
      field('wh.quantity', input('quantity', { inputmode: 'numeric', size: 5 })),
      h('button', { type: 'submit' }, t('wh.pickToVan')));
    pick.addEventListener('submit', (e) => { e.preventDefault(); const f = pick.elements;
      command(pick, 'PickToVan', { sku: f.sku.value, from_location_id: f.from_location_id.value, to_location_id: f.to_location_id.value, quantity: f.quantity.value || '0' }); });
    const defective = h('form', { class: 'row wrap', novalidate: true },
      field('wh.sku', select('sku', skuOptions())), field('wh.location', select('location_id', locOptions(false))),
      field('wh.rma', input('rma_id', { size: 10 })), field('wh.quantity', input('quantity', { inputmode: 'numeric', size: 5 })),
      field('wh.reason', input('reason')), h('button', { type: 'submit' }, t('wh.returnDefective')));
    defective.addEventListener('submit', (e) => { e.preventDefault(); const f = defective.elements;
      command(defective, 'ReturnDefective', { sku: f.sku.value, location_id: f.location_id.value, rma_id: f.rma_id.value.trim(), quantity: f.quantity.value || '0', reason: f.reason.value.trim() }); });
    clear(movesEl, h('h2', {}, t('wh.receiving')), recv, h('h3', {}, t('wh.returns')), ret, defective, h('h3', {}, t('wh.pick')), pick);
  }

  function renderTransfers() {
    const req = h('form', { class: 'row wrap', novalidate: true },
      field('wh.sku', select('sku', skuOptions())), field('wh.from', select('from_location_id', locOptions(false), 'WH-CENTRAL')),
      field('wh.to', select('to_location_id', locOptions(false))), field('wh.quantity', input('quantity', { inputmode: 'numeric', size: 5 })),
      h('button', { type: 'submit', class: 'primary' }, t('wh.requestTransfer')));
    req.addEventListener('submit', (e) => { e.preventDefault(); const f = req.elements;
      command(req, 'RequestTransfer', { sku: f.sku.value, transfer_id: `TR-${Date.now().toString(36).toUpperCase()}`,
        from_location_id: f.from_location_id.value, to_location_id: f.to_location_id.value, quantity: f.quantity.value || '0' }); });
    const rows = [];
    for (const p of parts) for (const tr of p.transfers || []) {
      const box = h('td', {});
      const step = (key, method, extra = {}) => {
        const f = h('form', { class: 'inline', novalidate: true }, h('button', { type: 'submit', class: 'small' }, t(key)));
        f.addEventListener('submit', (e) => { e.preventDefault(); command(f, method, { sku: p.sku, transfer_id: tr.transfer_id, ...extra }); });
        box.append(f);
      };
      if (tr.status === 'requested') step('wh.approve', 'ApproveTransfer');
      if (tr.status === 'approved') step('wh.ship', 'ShipTransfer');
      if (tr.status === 'shipped') step('wh.receiveTransfer', 'ReceiveTransfer', { quantity: tr.quantity, signer: ctx.user.display_name || ctx.user.username });
      rows.push(h('tr', {}, h('td', {}, tr.transfer_id), h('td', {}, p.sku), h('td', {}, `${tr.from_location_id} → ${tr.to_location_id}`),
        h('td', { class: 'n' }, num(tr.quantity)), h('td', {}, t(`wh.tr.${tr.status}`)), box));
    }
    clear(transfersEl, h('h2', {}, t('wh.transfers')), req, table(['wh.transfer', 'wh.part', 'wh.route', 'wh.quantity', 'wh.status', ''], rows));
  }

  function renderVan() {
    const vans = locations.filter((l) => l.kind === 'LOCATION_KIND_VAN');
    const sel = select('van_location_id', vans.map((l) => [l.location_id, `${l.location_id} · ${l.owner_technician_id || ''}`]));
    sel.setAttribute('data-testid', 'van-select');
    const days = select('days', [['7', t('wh.last7')], ['30', t('wh.last30')], ['1', t('wh.today')]], '7');
    const out = h('div');
    const form = h('form', { class: 'row wrap', novalidate: true }, field('wh.van', sel), field('wh.period', days),
      h('button', { type: 'submit', 'data-testid': 'van-restock-show' }, t('wh.showRestock')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      try {
        const from = new Date(Date.now() - Number(days.value) * 86400e3);
        const res = await api.call('inventory', 'GetVanRestockList', { van_location_id: sel.value, from: from.toISOString(), to: new Date(Date.now() + 60e3).toISOString() });
        clear(out, table(['wh.part', 'wh.used', 'wh.onHand', 'wh.inTransit', 'wh.suggested'],
          (res.lines || []).map((l) => h('tr', { 'data-sku': l.sku }, h('td', {}, l.sku), h('td', { class: 'n', 'data-col': 'used' }, num(l.used)),
            h('td', { class: 'n' }, num(l.on_hand)), h('td', { class: 'n' }, num(l.in_transit)), h('td', { class: 'n' }, h('strong', {}, num(l.suggested_quantity)))))));
      } catch (err) {
        if (err.status === 401) { ctx.onAuthError(); return; }
        showError(form, err);
      }
    });
    clear(vanEl, h('h2', {}, t('wh.vanRestock')), form, out);
  }

  await load();
  return () => {};
}

function splitList(s) { return String(s || '').split(/[,\s]+/).filter(Boolean); }
