// Yorisoi's service worker: shows a push message (title, lead and facts) and opens its link.
// The payload never holds names or health details (supporters/notify/webpush.py).
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (error) { data = {}; }
  event.waitUntil(self.registration.showNotification(data.title || "Yorisoi", {
    body: data.body || "",
    data: { url: data.url || "/me/" },
    icon: "/static/favicon.svg"
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  event.waitUntil(clients.openWindow(event.notification.data.url));
});
