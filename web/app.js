// The shell: log-in, the screens of the user's role, the language switch, the service worker.
import { t, lang, setLang, applyI18n, onLangChange } from './i18n.js';
import { api, session, saveSession, signedIn, onSessionEnd } from './api.js';
import { h, clear, field, input, showError, clearErrors } from './ui.js';
import * as offline from './offline.js';

// Screen → the roles that see it (admin sees all).
const SCREENS = [
  { id: 'dispatch', key: 'nav.dispatch', roles: ['dispatcher', 'manager'], load: () => import('./screens/dispatcher.js') },
  { id: 'intake', key: 'nav.intake', roles: ['intake', 'dispatcher', 'manager'], load: () => import('./screens/intake.js') },
  { id: 'tech', key: 'nav.tech', roles: ['technician'], load: () => import('./screens/technician.js') },
  { id: 'warehouse', key: 'nav.warehouse', roles: ['warehouse', 'manager'], load: () => import('./screens/warehouse.js') },
  { id: 'care', key: 'nav.care', roles: ['care', 'manager'], load: () => import('./screens/care.js') },
  { id: 'manager', key: 'nav.manager', roles: ['manager'], load: () => import('./screens/manager.js') },
  { id: 'admin', key: 'nav.admin', roles: [], load: () => import('./screens/admin.js') },
];

const view = document.getElementById('view');
let current = null;  // { id, dispose }
let routeNo = 0;     // a newer route() makes an older one stop

function user() {
  const s = session();
  return s && signedIn() ? s.user : null;
}

function screensFor(u) {
  if (!u) return [];
  return SCREENS.filter((s) => u.role === 'admin' || s.roles.includes(u.role));
}

function renderHeader() {
  const u = user();
  const nav = document.getElementById('nav');
  clear(nav, screensFor(u).map((s) => h('a', { href: `#/${s.id}`, 'data-screen': s.id,
    class: current && current.id === s.id ? 'active' : '' }, t(s.key))));
  document.getElementById('who').textContent = u ? `${u.display_name || u.username} · ${t(`role.${u.role}`)}` : '';
  document.getElementById('logout').hidden = !u;
  document.getElementById('lang').textContent = lang() === 'zh' ? 'English' : '中文';
  document.documentElement.lang = lang() === 'zh' ? 'zh-CN' : 'en';
  applyI18n(document.getElementById('top'));
}

let loginMessage = '';
function renderLogin(message = loginMessage) {
  loginMessage = message || '';
  current = null;
  renderHeader();
  const username = input('username', { autocomplete: 'username', required: true, 'data-testid': 'login-username' });
  const password = input('password', { type: 'password', autocomplete: 'current-password', required: true, 'data-testid': 'login-password' });
  const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'login-submit' }, t('login.submit'));
  const form = h('form', { class: 'card login', novalidate: true },
    h('h1', {}, t('login.title')),
    h('p', { class: 'muted' }, t('login.intro')),
    field('login.username', username),
    field('login.password', password),
    submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    submit.disabled = true;
    try {
      const res = await api.login(username.value.trim(), password.value);
      saveSession(res);
      loginMessage = '';
      const target = `#/${defaultScreen(res.user)}`;
      if (location.hash !== target) location.hash = target;  // hashchange routes
      else route();
    } catch (err) {
      // The service's words in English; the user's language for the three expected refusals.
      if (err.status === 401) { err.field = 'password'; err.message = t('login.wrong'); }
      if (err.status === 423) { err.field = 'password'; err.message = t('login.locked', { until: new Date(err.lockedUntil || Date.now()).toLocaleTimeString() }); }
      if (err.status === 403) { err.field = 'password'; err.message = t('login.departed'); }
      showError(form, err);
    } finally {
      submit.disabled = false;
    }
  });
  clear(view, form, message ? h('p', { class: 'banner info' }, message) : null);
  username.focus();
}

function defaultScreen(u) {
  const list = screensFor(u);
  return list.length ? list[0].id : 'dispatch';
}

async function route() {
  const my = ++routeNo;
  const u = user();
  if (!u) { if (current && current.dispose) current.dispose(); renderLogin(); return; }
  const want = (location.hash.replace(/^#\/?/, '').split('/')[0]) || defaultScreen(u);
  const allowed = screensFor(u);
  const screen = allowed.find((s) => s.id === want) || allowed[0];
  if (!screen) { clear(view, h('p', { class: 'banner error' }, t('app.noScreens'))); return; }
  if (current && current.dispose) current.dispose();
  current = { id: screen.id };
  renderHeader();
  clear(view, h('p', { class: 'muted' }, t('common.loading')));
  try {
    const mod = await screen.load();
    if (my !== routeNo) return;
    const ctx = { user: u, view, onAuthError: () => logout(t('err.session')) };
    clear(view);
    view.dataset.screen = screen.id;
    const mine = current;
    const dispose = await mod.mount(view, ctx);
    if (my !== routeNo || current !== mine) { if (dispose) dispose(); return; }
    current.dispose = dispose;
  } catch (err) {
    if (my !== routeNo) return;
    if (err && err.status === 401) { logout(t('err.session')); return; }
    clear(view);
    showError(view, err);
  }
}

function logout(message) {
  routeNo++;
  if (current && current.dispose) current.dispose();
  current = null;
  saveSession(null);
  location.hash = '#/';
  renderLogin(message);
}

document.getElementById('logout').addEventListener('click', () => logout());
// The gateway refused to renew the access token: the user has left, the account is locked, or
// the session is over. Back to the login page with the reason in the user's language.
onSessionEnd((err) => {
  const msg = err.status === 403 && err.lockedUntil
    ? t('login.locked', { until: new Date(err.lockedUntil).toLocaleTimeString() })
    : /left/.test(err.message || '') ? t('login.departed') : t('err.session');
  logout(msg);
});
document.getElementById('lang').addEventListener('click', () => setLang(lang() === 'zh' ? 'en' : 'zh'));
onLangChange(() => { if (user()) route(); else renderLogin(); });
window.addEventListener('hashchange', route);

// The network indicator: "offline — N updates waiting" while the phone queue is not empty.
function renderNet() {
  const el = document.getElementById('net');
  const n = offline.pendingCount();
  const online = navigator.onLine;
  el.hidden = online && n === 0;
  el.className = `net ${online ? 'syncing' : 'offline'}`;
  el.textContent = online ? t('net.waiting', { n }) : t('net.offline', { n });
}
offline.onChange(renderNet);
window.addEventListener('online', renderNet);
window.addEventListener('offline', renderNet);
onLangChange(renderNet);

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js').catch(() => { /* the app works without it, only not offline */ });
}

renderNet();
route();
