// Admin: staff accounts — create, permissions, depart, login history.
import { t } from '../i18n.js';
import { api } from '../api.js';
import { h, clear, field, input, select, button, showError, clearErrors, banner, fmtTime, table } from '../ui.js';

const ROLES = ['intake', 'dispatcher', 'technician', 'warehouse', 'care', 'manager', 'admin'];

export async function mount(view, ctx) {
  const root = h('div', { class: 'admin' });
  const listEl = h('section', { class: 'card', 'data-testid': 'users' });
  const formEl = h('section', { class: 'card' });
  const histEl = h('section', { class: 'card' });
  root.append(h('h1', {}, t('admin.title')), listEl, formEl, histEl);
  view.append(root);

  async function load() {
    const res = await api.get('/api/v1/admin/users');
    const users = res.users || res || [];
    clear(listEl, h('h2', {}, t('admin.users')), table(['login.username', 'admin.name', 'admin.role', 'admin.tech', 'admin.perms', 'admin.status', ''],
      users.map((u) => {
        const perms = input('permissions', { value: (u.permissions || []).join(', '), size: 12 });
        const row = h('tr', { 'data-user': u.username }, h('td', {}, u.username), h('td', {}, u.display_name || ''), h('td', {}, t(`role.${u.role}`)),
          h('td', {}, u.technician_id || ''), h('td', {}, perms, h('div', { class: 'field-error', 'data-error-for': 'permissions' })),
          h('td', {}, u.departed ? t('admin.departed') : t('admin.active')),
          h('td', {},
            button('admin.savePerms', async () => { try { await api.put(`/api/v1/admin/users/${encodeURIComponent(u.username)}/permissions`, { permissions: perms.value.split(/[,\s]+/).filter(Boolean) }); banner(listEl, t('wh.done'), 'ok'); } catch (e) { showError(row, e); } }, { class: 'small' }),
            button('admin.history', () => history(u.username), { class: 'small' }),
            u.departed ? null : button('admin.depart', async () => { if (!confirm(t('admin.confirmDepart', { u: u.username }))) return; try { await api.post(`/api/v1/admin/users/${encodeURIComponent(u.username)}/depart`, {}); await load(); } catch (e) { showError(row, e); } }, { class: 'small danger' })));
        return row;
      })));
  }

  async function history(username) {
    try {
      const res = await api.get(`/api/v1/admin/users/${encodeURIComponent(username)}/logins`);
      const logins = res.logins || res || [];
      clear(histEl, h('h2', {}, t('admin.history'), ` · ${username}`), table(['admin.when', 'admin.success', 'admin.address', 'admin.agent'],
        logins.map((l) => h('tr', {}, h('td', {}, fmtTime(l.time || l.at)), h('td', {}, l.success ? '✓' : '✗'), h('td', {}, l.client_address || ''), h('td', { class: 'small' }, l.user_agent || '')))));
    } catch (e) { showError(histEl, e); }
  }

  const form = h('form', { class: 'grid2', novalidate: true });
  clear(form, field('login.username', input('username')), field('admin.name', input('display_name')),
    field('admin.role', select('role', ROLES.map((r) => [r, t(`role.${r}`)]), 'intake')), field('login.password', input('password', { type: 'password', autocomplete: 'new-password' })),
    field('admin.tech', input('technician_id')), field('admin.perms', input('permissions', { placeholder: 'export' })),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, t('admin.create'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault(); clearErrors(form);
    const f = form.elements;
    try {
      await api.post('/api/v1/admin/users', { username: f.username.value.trim(), display_name: f.display_name.value.trim(), role: f.role.value,
        password: f.password.value, technician_id: f.technician_id.value.trim(), permissions: f.permissions.value.split(/[,\s]+/).filter(Boolean) });
      form.reset(); await load(); banner(formEl, t('wh.done'), 'ok');
    } catch (err) { showError(form, err); }
  });
  clear(formEl, h('h2', {}, t('admin.newUser')), form);
  await load();
  return () => {};
}
