// Intake's SLA clocks for the screens: the dispatcher's queue and the manager's SLA panel read the
// tickets' real clocks (GetTicketSla: the business calendar, pauses for the customer and for
// parts, the tier × priority or contract allowances) instead of guessing from the job's age.
import { api } from './api.js';

const CACHE_MS = 30e3;  // a due time moves only when a clock pauses or stops; re-read after 30 s
const PARALLEL = 6;
const cache = new Map();  // ticket id → { at, sla | error }

const OPEN = new Set(['SLA_CLOCK_STATUS_RUNNING', 'SLA_CLOCK_STATUS_PAUSED']);

// The clocks of several tickets (ticket id → TicketSla, or { error } when it could not be read),
// at most PARALLEL calls at a time, each answer kept for CACHE_MS.
export async function ticketSlas(ticketIds) {
  const now = Date.now();
  const want = [...new Set(ticketIds.filter(Boolean))];
  const todo = want.filter((id) => { const c = cache.get(id); return !c || now - c.at > CACHE_MS; });
  let next = 0;
  async function worker() {
    while (next < todo.length) {
      const id = todo[next++];
      try {
        cache.set(id, { at: Date.now(), sla: await api.call('intake', 'GetTicketSla', { ticket_id: id }) });
      } catch (err) {
        if (err.status === 401) throw err;
        cache.set(id, { at: Date.now(), error: err });
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(PARALLEL, todo.length) }, worker));
  return new Map(want.map((id) => [id, cache.get(id) || { error: true }]));
}

// Forget a ticket's clocks (after an assignment, which stops the response clock).
export function forget(ticketId) { cache.delete(ticketId); }

// What matters of a ticket's clocks for the screens:
//   risk: 'breached' | 'risk' (a clock passed its warning point) | 'ok' | 'unknown'
//   clock: the open clock due first ('response', 'on_site', 'resolution'), due: its due time (ms),
//   left: minutes until it (negative: over), paused: that clock is paused, breached: the clocks
//   that breached.
export function slaSummary(entry, now = Date.now()) {
  const sla = entry && entry.sla;
  if (!sla) return { risk: 'unknown', clock: '', due: NaN, left: NaN, paused: false, breached: [] };
  const clocks = sla.clocks || [];
  const breached = clocks.filter((c) => c.status === 'SLA_CLOCK_STATUS_BREACHED').map((c) => c.clock);
  // Open clocks: running or paused, and breached ones still running (no stop yet).
  const open = clocks.filter((c) => c.due_time && (OPEN.has(c.status) || (c.status === 'SLA_CLOCK_STATUS_BREACHED' && !c.stopped_at)));
  open.sort((a, b) => Date.parse(a.due_time) - Date.parse(b.due_time));
  const first = open[0];
  const due = first ? Date.parse(first.due_time) : NaN;
  const warned = clocks.some((c) => c.warning && OPEN.has(c.status));
  const risk = breached.length || (first && due < now && first.status !== 'SLA_CLOCK_STATUS_PAUSED') ? 'breached'
    : warned ? 'risk' : first ? 'ok' : 'unknown';
  return { risk, clock: first ? first.clock : '', due, left: first ? (due - now) / 60e3 : NaN,
           paused: !!first && first.status === 'SLA_CLOCK_STATUS_PAUSED', breached };
}

const RANK = { breached: 0, risk: 1, ok: 2, unknown: 3 };
const PRIORITY_WEIGHT = { PRIORITY_URGENT: 4, PRIORITY_HIGH: 3, PRIORITY_NORMAL: 2, PRIORITY_LOW: 1 };

// The queue's order: breached first, then at risk, then the rest, each by due time (earliest
// first), then by priority; a ticket whose clocks could not be read goes last.
export function byRisk(a, b) {
  const sa = a.sla || slaSummary(null), sb = b.sla || slaSummary(null);
  const da = Number.isNaN(sa.due) ? Infinity : sa.due, db = Number.isNaN(sb.due) ? Infinity : sb.due;
  return (RANK[sa.risk] - RANK[sb.risk]) || (da - db) ||
    ((PRIORITY_WEIGHT[b.priority] || 0) - (PRIORITY_WEIGHT[a.priority] || 0));
}
