// Small DOM helpers shared by the screens.
import { t, lang } from './i18n.js';

// h('div', {class: 'x', onclick: f}, child, 'text', [more])
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// A labelled input; `name` is the request field it fills (errors naming it land next to it).
export function field(labelKey, input, hintKey) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  return h('div', { class: 'field' },
    h('label', { for: id }, t(labelKey)),
    input,
    hintKey ? h('small', { class: 'muted' }, t(hintKey)) : null,
    h('div', { class: 'field-error', role: 'alert', 'data-error-for': input.name || '' }));
}

export function input(name, attrs = {}) {
  return h('input', { name, ...attrs });
}

export function select(name, options, value) {
  return h('select', { name },
    options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));
}

export function button(textKey, onclick, attrs = {}) {
  return h('button', { type: 'button', onclick, ...attrs }, t(textKey));
}

// Shows an API error inside `scope`: next to the field it names when that field is on the
// form (exact name, then its last path segment, then its prefix), else in the scope's banner.
export function showError(scope, err) {
  clearErrors(scope);
  const message = errorText(err);
  const f = err && err.field ? String(err.field) : '';
  let slot = null;
  if (f) {
    const candidates = [f, f.replace(/\[\d+\]/g, ''), f.split('.').pop(), f.split('.').pop().replace(/\[\d+\]/g, ''),
                        f.split('.')[0].replace(/\[\d+\]/g, '')];
    for (const c of candidates) {
      slot = scope.querySelector(`[data-error-for="${CSS.escape(c)}"]`);
      if (slot) break;
    }
  }
  if (slot) {
    slot.textContent = message;
    const inputEl = slot.parentElement.querySelector('input,select,textarea');
    if (inputEl) { inputEl.setAttribute('aria-invalid', 'true'); inputEl.focus(); }
  } else {
    banner(scope, message + (f ? ` (${f})` : ''), 'error');
  }
}

export function errorText(err) {
  if (!err) return '';
  if (err.offline) return t('err.offline');
  if (err.status === 401) return err.message || t('err.session');
  return err.message || t('err.unknown');
}

export function clearErrors(scope) {
  scope.querySelectorAll('.field-error').forEach((e) => { e.textContent = ''; });
  scope.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
  scope.querySelectorAll(':scope > .banner, .banner.form-banner').forEach((e) => e.remove());
}

export function banner(scope, message, kind = 'info') {
  const b = h('div', { class: `banner ${kind} form-banner`, role: kind === 'error' ? 'alert' : 'status' }, message);
  scope.prepend(b);
  return b;
}

// Runs an async action with the button disabled and errors shown in `scope`.
export async function act(scope, btn, fn) {
  if (btn) btn.disabled = true;
  clearErrors(scope);
  try {
    return await fn();
  } catch (err) {
    showError(scope, err);
    return undefined;
  } finally {
    if (btn) btn.disabled = false;
  }
}

const locale = () => (lang() === 'zh' ? 'zh-CN' : 'en-GB');

export function fmtTime(ts, withDate = true) {
  if (!ts) return '—';
  const d = new Date(ts);
  if (Number.isNaN(d.getTime()) || d.getTime() <= 0) return '—';
  return d.toLocaleString(locale(), withDate
    ? { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }
    : { hour: '2-digit', minute: '2-digit' });
}

export function fmtDate(ts) {
  if (!ts) return '—';
  const d = new Date(ts);
  if (Number.isNaN(d.getTime()) || d.getTime() <= 0) return '—';
  return d.toLocaleDateString(locale(), { year: 'numeric', month: 'short', day: 'numeric' });
}

// Amounts in minor units (fen) → ¥12.30
export function money(minor) {
  return `¥${(Number(minor || 0) / 100).toFixed(2)}`;
}

export function pct(v) {
  return v === undefined || v === null ? '—' : `${Number(v).toFixed(1)}%`;
}

// "PRIORITY_HIGH" → t('enum.PRIORITY_HIGH') or a readable fallback.
export function enumText(v) {
  if (!v) return '—';
  const k = `enum.${v}`;
  const s = t(k);
  return s === k ? v.replace(/^[A-Z]+_(STATE_|KIND_|TIER_|OUTCOME_)?/, '').toLowerCase().replace(/_/g, ' ') : s;
}

export function minutesText(mins) {
  const m = Math.round(Math.abs(mins));
  const s = m >= 60 * 24 ? `${Math.floor(m / 1440)}d ${Math.floor((m % 1440) / 60)}h`
    : m >= 60 ? `${Math.floor(m / 60)}h ${m % 60}m` : `${m}m`;
  return mins < 0 ? `-${s}` : s;
}

export function formData(form) {
  const o = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    if (el.type === 'checkbox') { if (!(el.name in o)) o[el.name] = el.checked; continue; }
    if (el.type === 'radio') { if (el.checked) o[el.name] = el.value; continue; }
    o[el.name] = el.value.trim();
  }
  return o;
}

// "SKU:2, SKU2:1" → [{sku, quantity}]
export function parseParts(text) {
  return String(text || '').split(/[,\n;，]+/).map((s) => s.trim()).filter(Boolean).map((s) => {
    const [sku, q] = s.split(/[:×x*]/).map((x) => x.trim());
    return { sku: sku.toUpperCase(), quantity: String(q ? Number(q) || 0 : 1) };
  });
}

export function partsText(lines) {
  return (lines || []).map((p) => `${p.sku}×${Number(p.quantity)}`).join(', ') || '—';
}

export function section(titleKey, ...children) {
  return h('section', { class: 'card' }, h('h2', {}, t(titleKey)), ...children);
}

export function table(headKeys, rows, attrs = {}) {
  return h('div', { class: 'table-wrap' }, h('table', attrs,
    h('thead', {}, h('tr', {}, headKeys.map((k) => h('th', {}, t(k))))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: headKeys.length, class: 'muted' }, t('common.none'))))));
}
