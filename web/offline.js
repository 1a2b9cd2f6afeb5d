// The technician's outbox: updates made on the phone are kept here (localStorage, so they
// survive a reload or a dead battery) with their request id and the phone's time, and sent in
// order when the connection is back. A retry carries the same request id, so the service applies
// it once. A refusal on replay (the job was reassigned, is in another state, ...) becomes a
// conflict that the technician sees — it is never dropped silently.
import { api, requestId } from './api.js';

const QUEUE_KEY = 'fieldline.outbox';
const CONFLICT_KEY = 'fieldline.conflicts';
const listeners = new Set();
let flushing = null;
let timer = null;

const load = (k) => { try { return JSON.parse(localStorage.getItem(k) || '[]'); } catch { return []; } };
const save = (k, v) => localStorage.setItem(k, JSON.stringify(v));

export const pending = () => load(QUEUE_KEY);
export const pendingCount = () => pending().length;
export const conflicts = () => load(CONFLICT_KEY);
export function dismissConflict(id) { save(CONFLICT_KEY, conflicts().filter((c) => c.request_id !== id)); emit({}); }

export function onChange(fn) { listeners.add(fn); return () => listeners.delete(fn); }
function emit(detail) { for (const fn of [...listeners]) { try { fn(detail); } catch (e) { console.error(e); } } }

// A network failure or a busy server: keep the update and try again later.
const retryable = (err) => err.status === 0 || err.status >= 500 || err.status === 429 || err.status === 408;

// Sends one update now when possible, else queues it. Resolves to
//   { sent: true, result } | { queued: true } ; rejects with the service's refusal when online
// and nothing is waiting (so the screen can show it next to the field).
export async function submit(service, method, body, label) {
  const op = {
    request_id: requestId(), service, method, label,
    body: { ...body, device_time: new Date().toISOString() },
    queued_at: new Date().toISOString(),
  };
  op.body.request_id = op.request_id;
  if (pendingCount() === 0 && navigator.onLine) {
    try {
      const result = await api.call(service, method, op.body);
      emit({ sent: op });
      return { sent: true, result };
    } catch (err) {
      if (!retryable(err)) throw err;
    }
  }
  save(QUEUE_KEY, [...pending(), op]);
  emit({ queued: op });
  schedule();
  return { queued: true, op };
}

// Sends the queue in order. Stops at the first update that cannot be sent yet.
export function flush() {
  if (flushing) return flushing;
  flushing = (async () => {
    let synced = 0;
    try {
      for (;;) {
        const queue = pending();
        if (!queue.length) break;
        const op = queue[0];
        try {
          await api.call(op.service, op.method, op.body);
          synced++;
        } catch (err) {
          if (retryable(err)) { schedule(); break; }
          if (err.status === 401) { emit({ authError: err }); break; }
          const c = { ...op, code: err.code, message: err.message, field: err.field, at: new Date().toISOString() };
          save(CONFLICT_KEY, [...conflicts(), c]);
          emit({ conflict: c });
        }
        save(QUEUE_KEY, pending().filter((q) => q.request_id !== op.request_id));
        emit({ progress: op });
      }
    } finally {
      flushing = null;
    }
    emit({ synced });
    return synced;
  })();
  return flushing;
}

// While something waits, look again every 5 s (a browser does not always say it is online).
function schedule() {
  if (timer) return;
  timer = setTimeout(() => {
    timer = null;
    if (!pendingCount()) return;
    if (navigator.onLine) flush(); else schedule();
  }, 5000);
}

window.addEventListener('online', () => flush());
if (pendingCount() && navigator.onLine) setTimeout(flush, 0);
