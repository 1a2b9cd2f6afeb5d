// The gateway's HTTP/JSON API: login, the generic POST /api/v1/{service}/{Method}, errors.
const TOKEN_KEY = 'fieldline.session';

export class ApiError extends Error {
  constructor(status, code, message, field, extra = {}) {
    super(message);
    this.status = status;  // HTTP status; 0 = no connection
    this.code = code;      // gRPC code name, e.g. INVALID_ARGUMENT
    this.field = field || '';
    Object.assign(this, extra);
  }
  get offline() { return this.status === 0; }
}

export function session() {
  try { return JSON.parse(localStorage.getItem(TOKEN_KEY) || 'null'); } catch { return null; }
}

export function saveSession(s) {
  if (s) localStorage.setItem(TOKEN_KEY, JSON.stringify(s));
  else localStorage.removeItem(TOKEN_KEY);
}

// The access token while it is valid, else ''.
export function token() {
  const s = session();
  if (!s) return '';
  if (s.expires_at && Date.parse(s.expires_at) < Date.now()) return '';
  return s.token;
}

// Signed in: a refresh token whose session has not ended (or, from an older gateway without
// refresh tokens, a valid access token).
export function signedIn() {
  const s = session();
  if (!s) return false;
  if (s.refresh_token) return !s.session_expires_at || Date.parse(s.session_expires_at) > Date.now();
  return !!token();
}

// The access token lives 15 minutes: a departed or locked user loses the services within that
// time. It is renewed silently with the session's refresh token (never sent to a service): ahead
// of its end, and once more when a call is refused with 401. A refusal of the refresh itself
// (the user has left, the account is locked, the session is over) ends the session: the
// listeners of onSessionEnd get the gateway's sentence and the app returns to the login page.
const REFRESH_AHEAD_MS = 60e3;
const sessionEndListeners = new Set();
export function onSessionEnd(fn) { sessionEndListeners.add(fn); return () => sessionEndListeners.delete(fn); }
let refreshing = null;

export function refresh() {
  if (refreshing) return refreshing;
  refreshing = (async () => {
    const s = session();
    if (!s || !s.refresh_token) throw new ApiError(401, 'UNAUTHENTICATED', '', '');
    try {
      const res = await send('POST', '/api/v1/auth/refresh', { refresh_token: s.refresh_token }, false);
      // Keep the refresh token and the session's end; take the new access token and the user
      // as the gateway knows them now (permissions may have changed).
      saveSession({ ...s, token: res.token, expires_at: res.expires_at, user: res.user || s.user });
      return res.token;
    } catch (err) {
      if (err.status === 401 || err.status === 403) {
        saveSession(null);
        for (const fn of [...sessionEndListeners]) { try { fn(err); } catch (e) { console.error(e); } }
      }
      throw err;
    }
  })();
  refreshing.finally(() => { refreshing = null; }).catch(() => {});
  return refreshing;
}

// A valid access token, refreshed first when it ends within a minute; '' when there is none
// and no connection to get one (the caller then fails as offline).
export async function freshToken() {
  const s = session();
  if (!s) return '';
  const left = s.expires_at ? Date.parse(s.expires_at) - Date.now() : Infinity;
  if (left > REFRESH_AHEAD_MS || !s.refresh_token) return token();
  try { return await refresh(); } catch (err) { if (err.status === 0) return token(); throw err; }
}

async function send(method, path, body, auth = true, retried = false) {
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (auth) {
    const bearer = await freshToken();
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
  }
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, 'UNAVAILABLE', '', '');
  }
  let data = null;
  const text = await res.text();
  try { data = text ? JSON.parse(text) : {}; } catch { data = null; }
  if (res.status === 401 && auth && !retried && session() && session().refresh_token) {
    // The access token ended (or the clocks disagree): renew it once and try again. A refused
    // refresh ends the session (onSessionEnd) and that refusal is what the caller sees.
    await refresh();
    return send(method, path, body, auth, true);
  }
  if (!res.ok) {
    const err = (data && data.error) || {};
    const extra = {};
    if (data && data.locked_until) extra.lockedUntil = data.locked_until;
    if (err.locked_until) extra.lockedUntil = err.locked_until;
    throw new ApiError(res.status, err.code || `HTTP_${res.status}`, err.message || text || res.statusText,
                       err.field, extra);
  }
  if (data === null) throw new ApiError(res.status, 'INTERNAL', 'The server answered with something that is not JSON.', '');
  return data;
}

export const api = {
  login: (username, password) => send('POST', '/api/v1/auth/login', { username, password }, false),
  me: () => send('GET', '/api/v1/auth/me'),
  changePassword: (old_password, new_password) => send('POST', '/api/v1/auth/password', { old_password, new_password }),
  // One RPC of one service: call('intake', 'OpenTicket', {...}).
  call: (service, method, body = {}) => send('POST', `/api/v1/${service}/${method}`, body),
  get: (path) => send('GET', path),
  post: (path, body) => send('POST', path, body),
  put: (path, body) => send('PUT', path, body),
};

// Whether the running gateway offers an RPC (from its /api/openapi.json, read once): screens use
// RPCs that other services add over time and say so plainly while one is missing.
let rpcPaths = null;
export async function hasRpc(service, method) {
  if (!rpcPaths) rpcPaths = api.get('/api/openapi.json').then((doc) => new Set(Object.keys(doc.paths || {}))).catch(() => { rpcPaths = null; return new Set(); });
  return (await rpcPaths).has(`/api/v1/${service}/${method}`);
}

// Every page of a List… RPC (page_size 500, at most `pages` pages).
export async function listAll(service, method, body, key, pages = 20) {
  const out = [];
  let page_token = '';
  for (let i = 0; i < pages; i++) {
    const res = await api.call(service, method, { ...body, page_size: 500, page_token });
    out.push(...(res[key] || []));
    page_token = res.next_page_token;
    if (!page_token) break;
  }
  return out;
}

// A fresh request id for a command (a retry with the same id takes effect once).
export function requestId() {
  if (globalThis.crypto && crypto.randomUUID) return crypto.randomUUID();
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// proto3 JSON writes int64 as strings; this reads either.
export const num = (v) => (v === undefined || v === null || v === '' ? 0 : Number(v));
