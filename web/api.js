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

export function token() {
  const s = session();
  if (!s) return '';
  if (s.expires_at && Date.parse(s.expires_at) < Date.now()) return '';
  return s.token;
}

async function send(method, path, body, auth = true) {
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (auth && token()) headers.Authorization = `Bearer ${token()}`;
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, 'UNAVAILABLE', '', '');
  }
  let data = null;
  const text = await res.text();
  try { data = text ? JSON.parse(text) : {}; } catch { data = null; }
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
