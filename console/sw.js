// The parent console's service worker (scope /console/): it shows the service's Web Push alerts
// as notifications, and a click on one opens the console where the alert leads (a "more time"
// request: /console/#/requests/{id}). It handles no fetch: the console is never served from a
// cache. Plain JavaScript, served as it is (/console/sw.js); console/push.ts registers it.
/// <reference lib="webworker" />
'use strict';

const SCOPE = new URL('./', self.location.href); // /console/

/** Where a notification may lead: a page of the console on this origin, else the console itself. */
function target(url) {
  try {
    const u = new URL(typeof url === 'string' ? url : '', SCOPE);
    if (u.origin === SCOPE.origin && u.pathname.startsWith(SCOPE.pathname)) return u.href;
  } catch {
    // not a URL: the console
  }
  return SCOPE.href;
}

self.addEventListener('install', () => { void self.skipWaiting(); });
// take over the console's open windows at once, so that a click can hand them the alert's page
self.addEventListener('activate', (event) => { event.waitUntil(self.clients.claim()); });

// A push message's data is JSON: {title, body, url, tag, type, event_id, profile_id}.
self.addEventListener('push', (event) => {
  let alert = {};
  try {
    alert = event.data ? event.data.json() : {};
  } catch {
    alert = { body: event.data ? event.data.text() : '' };
  }
  const title = typeof alert.title === 'string' && alert.title ? alert.title : 'vtime';
  const options = {
    body: typeof alert.body === 'string' ? alert.body : '',
    data: { url: target(alert.url), type: alert.type ?? null, event_id: alert.event_id ?? null, profile_id: alert.profile_id ?? null },
  };
  // a tag replaces the notification of the same thing (the same request, the same child's limit)
  if (typeof alert.tag === 'string' && alert.tag) options.tag = alert.tag;
  event.waitUntil(self.registration.showNotification(title, options));
});

// A click: close it; an open console window is told to show the alert's page (it keeps its
// sign-in: only the part after # changes) and focused; without one, a new window opens there.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = target(event.notification.data && event.notification.data.url);
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const open = windows.filter((c) => new URL(c.url).pathname.startsWith(SCOPE.pathname));
    const client = open.find((c) => c.focused) ?? open[0];
    if (!client) {
      await self.clients.openWindow(url);
      return;
    }
    client.postMessage({ type: 'vtime-open', url });
    try {
      await client.focus();
    } catch {
      // focusing needs the click's user activation; the window shows the page all the same
    }
  })());
});
