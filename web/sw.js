// The service worker: keeps the app shell so the phone page opens without a connection.
// API calls are never cached (the screens keep their own last answers and the update queue).
const CACHE = 'fieldline-shell-v1';
const SHELL = ['/', '/index.html', '/styles.css', '/app.js', '/api.js', '/ui.js', '/i18n.js', '/offline.js',
  '/icon.svg', '/manifest.webmanifest', '/screens/technician.js', '/screens/dispatcher.js', '/screens/intake.js',
  '/screens/warehouse.js', '/screens/care.js', '/screens/manager.js', '/screens/admin.js'];

self.addEventListener('install', (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (e) => {
  e.waitUntil(caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

// Network first (the newest app when online), the cached copy when offline.
self.addEventListener('fetch', (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname === '/healthz') return;
  e.respondWith(fetch(e.request).then((res) => {
    if (res.ok) { const copy = res.clone(); caches.open(CACHE).then((c) => c.put(e.request, copy)); }
    return res;
  }).catch(() => caches.match(e.request).then((hit) => hit
    || (e.request.mode === 'navigate' ? caches.match('/index.html') : Response.error()))));
});
