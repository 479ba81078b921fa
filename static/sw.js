// Yorisoi's service worker (served as /me/sw.js, scope /me/): shows a push message — title,
// lead and facts, in the supporter's language — and opens its link when tapped. The payload
// never holds names or health details (supporters/notify/webpush.py). ``tag`` is the same for
// a message sent twice (delivery is at least once), so a repeat replaces the first on screen.
self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (error) { data = {}; }
  var options = {
    body: data.body || "",
    data: { url: sameOrigin(data.url) },
    icon: "/static/favicon.svg",
    lang: data.lang || ""
  };
  if (data.tag) options.tag = data.tag;
  event.waitUntil(self.registration.showNotification(data.title || "Yorisoi", options));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/me/";
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true })
    .then(function (windows) {
      for (var i = 0; i < windows.length; i++) {
        if (windows[i].url === url && "focus" in windows[i]) return windows[i].focus();
      }
      return self.clients.openWindow(url);
    }));
});

// Only ever open Yorisoi's own pages from a notification.
function sameOrigin(url) {
  var home = new URL("/me/", self.location.origin).href;
  try {
    var target = new URL(url || home, self.location.origin);
    return target.origin === self.location.origin ? target.href : home;
  } catch (error) {
    return home;
  }
}
