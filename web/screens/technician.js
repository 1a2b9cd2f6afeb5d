// The technician's phone page: today's jobs, status buttons, checklist, work report, parts used,
// signature, fee — usable offline (updates queue in ../offline.js and sync in order).
import { t } from '../i18n.js';
import { api, num } from '../api.js';
import { h, clear, field, input, select, button, showError, clearErrors, banner, fmtTime, money,
         enumText, parseParts, partsText } from '../ui.js';
import * as offline from '../offline.js';

// The published fee schedule (scheduling's DispatchPolicy); the service prices the item itself.
const FEES = [['', '—'], ['inspection', 3000], ['repair-labour', 8000], ['installation', 10000]];
const CACHE_KEY = 'fieldline.myday';

export async function mount(view, ctx) {
  let day = null;          // the last MyDay answer (cached for offline start-up)
  let openJob = sessionStorage.getItem('fieldline.openJob') || '';
  const root = h('div', { class: 'tech' });
  view.append(root);

  async function load() {
    try {
      day = await api.call('scheduling', 'MyDay', {});
      // MyDay lists the open jobs; the ones finished today stay on the page as completed.
      const today = new Date().toDateString();
      const done = await api.call('scheduling', 'ListJobs', { state: 'JOB_STATE_COMPLETED', page_size: 500 })
        .then((r) => r.jobs || [], () => []);
      const have = new Set((day.jobs || []).map((j) => j.job_id));
      day.jobs = [...(day.jobs || []), ...done.filter((j) => !have.has(j.job_id) && new Date(j.updated_at).toDateString() === today)];
      localStorage.setItem(CACHE_KEY, JSON.stringify({ at: new Date().toISOString(), day }));
    } catch (err) {
      if (err.status === 401) { ctx.onAuthError(); return; }
      const cached = JSON.parse(localStorage.getItem(CACHE_KEY) || 'null');
      if (cached) { day = cached.day; day.cachedAt = cached.at; } else { clear(root); showError(root, err); return; }
    }
    render();
  }

  // The job as the phone believes it is: the service's state plus the updates still queued.
  function overlay(job) {
    const j = structuredClone(job);
    j.pending = 0;
    for (const op of offline.pending()) {
      if (op.body.job_id !== job.job_id) continue;
      j.pending++;
      const at = op.body.device_time;
      switch (op.method) {
        case 'AcceptJob': j.accepted = true; break;
        case 'DeclineJob': j.state = 'JOB_STATE_UNASSIGNED'; break;
        case 'MarkEnRoute': j.en_route_at = at; break;
        case 'MarkArrived': j.arrival = { arrived_at: at }; j.state = 'JOB_STATE_IN_PROGRESS'; break;
        case 'StartJob': j.state = 'JOB_STATE_IN_PROGRESS'; break;
        case 'ReportWork': {
          const r = j.work_report || {};
          const b = op.body;
          j.work_report = { ...r, ...Object.fromEntries(Object.entries(b).filter(([k, v]) =>
            ['fault_type', 'fault_location', 'cause', 'solution', 'fee_item', 'signature_ref', 'signer_name'].includes(k) && v)),
            checklist_done: [...new Set([...(r.checklist_done || []), ...(b.checklist_done || [])])] };
          break;
        }
        case 'CompleteJob': j.state = 'JOB_STATE_COMPLETED'; j.parts_used = op.body.parts_used; break;
        default: break;
      }
    }
    return j;
  }

  function render() {
    const jobs = (day.jobs || []).map(overlay);
    const conflicts = offline.conflicts();
    clear(root,
      h('div', { class: 'tech-head' },
        h('h1', {}, t('tech.title')),
        button('common.refresh', () => load(), { class: 'small' })),
      day.cachedAt ? h('p', { class: 'banner info' }, t('tech.cached', { at: fmtTime(day.cachedAt) })) : null,
      conflicts.length ? h('section', { class: 'card conflicts', 'data-testid': 'conflicts' },
        h('h2', {}, t('tech.conflicts')),
        h('p', { class: 'muted' }, t('tech.conflictsHelp')),
        conflicts.map((c) => h('div', { class: 'conflict' },
          h('strong', {}, `${t(`op.${c.method}`)} · ${c.body.job_id}`),
          h('div', {}, c.message),
          h('small', { class: 'muted' }, `${t('tech.madeAt')} ${fmtTime(c.body.device_time)} · ${c.request_id}`),
          button('tech.dismiss', () => { offline.dismissConflict(c.request_id); render(); }, { class: 'small' })))) : null,
      jobs.length ? null : h('p', { class: 'muted' }, t('tech.noJobs')),
      h('ul', { class: 'jobs' }, jobs.map((j) => jobItem(j, day.checklist || []))));
  }

  function jobItem(j, checklist) {
    const open = openJob === j.job_id;
    const c = j.customer || {};
    const li = h('li', { class: `job ${open ? 'open' : ''}`, 'data-job': j.job_id, 'data-ticket': j.ticket_id },
      h('button', { type: 'button', class: 'job-head', 'aria-expanded': String(open), onclick: () => {
        openJob = open ? '' : j.job_id; sessionStorage.setItem('fieldline.openJob', openJob); render(); } },
        h('span', { class: 'when' }, j.window_start ? `${fmtTime(j.window_start, false)}–${fmtTime(j.window_end, false)}` : t('tech.noWindow')),
        h('span', { class: 'cust' }, c.name || '—'),
        h('span', { class: `state s-${j.state}`, 'data-testid': 'job-state' }, stateText(j)),
        j.pending ? h('span', { class: 'badge warn' }, t('tech.pendingBadge', { n: j.pending })) : null));
    if (!open) return li;
    li.append(h('div', { class: 'job-body' },
      h('p', {}, h('strong', {}, c.address || '—'), ' ',
        c.phone ? h('a', { href: `tel:${c.phone}` }, c.phone) : null),
      h('p', { class: 'muted' }, `${enumText(j.priority)} · ${j.required_skill || ''} · ${t('tech.partsNeeded')}: ${partsText(j.parts_needed)}`),
      statusButtons(j),
      j.state === 'JOB_STATE_IN_PROGRESS' ? workForm(j, checklist) : null,
      j.state === 'JOB_STATE_COMPLETED' ? h('p', { class: 'banner ok' }, t('tech.completed'), ' ', partsText(j.parts_used)) : null));
    return li;
  }

  function stateText(j) {
    if (j.state === 'JOB_STATE_ASSIGNED') {
      if (j.en_route_at) return t('tech.s.enRoute');
      if (j.accepted) return t('tech.s.accepted');
      return t('tech.s.new');
    }
    return enumText(j.state);
  }

  // Sends (or queues) one update and shows the refusal, if any, in `scope`.
  async function send(scope, btn, method, body, after) {
    clearErrors(scope);
    if (btn) btn.disabled = true;
    try {
      const r = await offline.submit('scheduling', method, body, method);
      if (after) after(r);
      if (r.sent) await load(); else render();
    } catch (err) {
      if (err.status === 401) { ctx.onAuthError(); return; }
      showError(scope, err);
    } finally {
      if (btn) btn.disabled = false;
    }
  }

  function statusButtons(j) {
    const box = h('div', { class: 'status-buttons' });
    const add = (key, method, extra = {}, attrs = {}) => {
      const b = button(key, () => send(box, b, method, { job_id: j.job_id, ...extra }), { class: 'big', 'data-action': method, ...attrs });
      box.append(b);
    };
    if (j.state === 'JOB_STATE_ASSIGNED') {
      if (!j.accepted) add('tech.accept', 'AcceptJob');
      if (!j.en_route_at) add('tech.enRoute', 'MarkEnRoute');
      add('tech.arrived', 'MarkArrived');
      // Start without an arrival record (e.g. the work was already under way on site).
      add('tech.start', 'StartJob', {}, { class: 'big secondary' });
      if (!j.en_route_at) {
        const reason = input('reason', { placeholder: t('tech.declineReason') });
        const b = button('tech.decline', () => send(box, b, 'DeclineJob', { job_id: j.job_id, reason: reason.value.trim() }),
          { class: 'big danger', 'data-action': 'DeclineJob' });
        box.append(h('div', { class: 'decline' }, field('tech.declineReason', reason), b));
      }
    }
    box.append(h('div', { class: 'field-error', 'data-error-for': 'job_id' }));
    return box;
  }

  function workForm(j, checklist) {
    const r = j.work_report || {};
    const form = h('form', { class: 'work', novalidate: true });
    const done = new Set(r.checklist_done || []);
    const checks = h('fieldset', { class: 'checklist' }, h('legend', {}, t('tech.checklist')),
      checklist.map((item) => h('label', { class: 'check' },
        h('input', { type: 'checkbox', name: 'checklist_done', value: item, checked: done.has(item) }), ` ${item}`)),
      h('div', { class: 'field-error', 'data-error-for': 'checklist_done' }));
    const fee = select('fee_item', FEES.map(([k, v]) => [k, k ? `${t(`fee.${k}`)} · ${money(v)}` : '—']), r.fee_item || '');
    const pad = signaturePad(r.signature_ref);
    const parts = input('parts_used', { value: (j.parts_needed || []).map((p) => `${p.sku}:${num(p.quantity)}`).join(', '),
      placeholder: 'SEAL-040:1, CAP-025:2', 'data-testid': 'parts-used' });
    clear(form,
      checks,
      field('tech.faultType', input('fault_type', { value: r.fault_type || '' })),
      field('tech.faultLocation', input('fault_location', { value: r.fault_location || '' })),
      field('tech.cause', input('cause', { value: r.cause || '' })),
      field('tech.solution', h('textarea', { name: 'solution', rows: 2 }, r.solution || '')),
      field('tech.photos', input('photo_refs', { placeholder: 'IMG_0001.jpg' }), 'tech.photosHint'),
      field('tech.fee', fee),
      r.fee_minor ? h('p', { class: 'muted' }, `${t('tech.feeCharged')}: ${money(r.fee_minor)}`) : null,
      h('div', { class: 'field' }, h('label', {}, t('tech.signature')), pad.el,
        h('div', { class: 'field-error', 'data-error-for': 'signature_ref' })),
      field('tech.signer', input('signer_name', { value: r.signer_name || '' })),
      h('div', { class: 'row' },
        button('tech.saveReport', () => report(), { class: 'big', 'data-action': 'ReportWork' })),
      h('hr'),
      field('tech.partsUsed', parts, 'tech.partsHint'),
      field('tech.resolution', h('textarea', { name: 'resolution', rows: 2 })),
      h('div', { class: 'row' }, button('tech.complete', () => complete(), { class: 'big primary', 'data-action': 'CompleteJob' })));

    function reportBody() {
      const fd = new FormData(form);
      const b = { job_id: j.job_id };
      const newly = fd.getAll('checklist_done').filter((x) => !done.has(x));
      if (newly.length) b.checklist_done = newly;
      for (const k of ['fault_type', 'fault_location', 'cause', 'solution', 'fee_item', 'signer_name']) {
        const v = String(fd.get(k) || '').trim();
        if (v && v !== (r[k] || '')) b[k] = v;
      }
      const photos = String(fd.get('photo_refs') || '').split(/[,\s]+/).filter(Boolean);
      if (photos.length) b.photo_refs = photos;
      const sig = pad.value();
      if (sig && sig !== r.signature_ref) { b.signature_ref = sig; b.signer_name = String(fd.get('signer_name') || '').trim(); }
      return b;
    }
    async function report() {
      const b = reportBody();
      if (Object.keys(b).length === 1) { banner(form, t('tech.nothingToReport')); return; }
      await send(form, null, 'ReportWork', b);
    }
    async function complete() {
      const b = reportBody();
      if (Object.keys(b).length > 1) await offline.submit('scheduling', 'ReportWork', b, 'ReportWork').catch((err) => { showError(form, err); throw err; });
      const fd = new FormData(form);
      await send(form, null, 'CompleteJob', { job_id: j.job_id, parts_used: parseParts(fd.get('parts_used')),
        resolution: String(fd.get('resolution') || '').trim() });
    }
    return form;
  }

  const unsubscribe = offline.onChange((d) => {
    if (d.authError) { ctx.onAuthError(); return; }
    if (d.synced !== undefined) { if (d.synced > 0 || offline.conflicts().length) load(); else if (day) render(); }
  });
  await load();
  if (offline.pendingCount() && navigator.onLine) offline.flush();
  return () => unsubscribe();
}

// A finger/mouse signature pad; value() is a PNG data URL (empty when nothing was drawn).
function signaturePad(existing) {
  const canvas = h('canvas', { width: 600, height: 200, class: 'signature', 'data-testid': 'signature' });
  const g = canvas.getContext('2d');
  g.lineWidth = 3; g.lineCap = 'round'; g.strokeStyle = '#111';
  let drawn = false;
  let last = null;
  if (existing && existing.startsWith('data:image/')) {
    const img = new Image();
    img.onload = () => g.drawImage(img, 0, 0, canvas.width, canvas.height);
    img.src = existing;
  }
  const pos = (e) => {
    const b = canvas.getBoundingClientRect();
    return [(e.clientX - b.left) * canvas.width / b.width, (e.clientY - b.top) * canvas.height / b.height];
  };
  canvas.addEventListener('pointerdown', (e) => { last = pos(e); canvas.setPointerCapture(e.pointerId); e.preventDefault(); });
  canvas.addEventListener('pointermove', (e) => {
    if (!last) return;
    const p = pos(e);
    g.beginPath(); g.moveTo(...last); g.lineTo(...p); g.stroke();
    last = p; drawn = true;
  });
  const end = () => { last = null; };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  const clearBtn = button('tech.clearSignature', () => { g.clearRect(0, 0, canvas.width, canvas.height); drawn = false; }, { class: 'small' });
  return {
    el: h('div', { class: 'sigwrap' }, canvas, clearBtn),
    value: () => {
      if (!drawn) return '';
      // A small copy keeps the reference light on a phone connection.
      const small = document.createElement('canvas');
      small.width = 300; small.height = 100;
      small.getContext('2d').drawImage(canvas, 0, 0, 300, 100);
      return small.toDataURL('image/png');
    },
  };
}
