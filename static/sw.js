// Yorisoi's service worker (served as /me/sw.js, scope /me/).
//
// Push: shows a push message — title, lead and facts, in the supporter's language — and opens
// its link when tapped. The payload never holds names or health details
// (supporters/notify/webpush.py). ``tag`` is the same for a message sent twice (delivery is at
// least once), so a repeat replaces the first on screen.
//
// Offline (static/js/offline.js asks for it): keeps the supporter's own pages listed by
// /me/offline.json (home, case log, the assignments of the next 14 days) and shows them when the
// network is gone; a case log posted without a network is kept in IndexedDB and sent again,
// with its own client_token (the server saves a token once), when the page says the connection
// is back. One account's pages at a time: another owner, a sign-out or a signed-out answer
// forgets them all.
var ROOT = new URL("../", self.location).pathname;
var SCOPE = ROOT + "me/";
var PAGES = "yorisoi-pages";
var STATIC = "yorisoi-static";
var STATE = SCOPE + "offline-state";
var UNTOLD = SCOPE + "offline-sent";  // the cases sent that no page has said yet (their tokens)
var ASSETS = ["static/css/portal.css", "static/js/app.js", "static/js/offline.js",
  "static/favicon.svg"].map(function (path) { return ROOT + path; });
var LOG_POST = new RegExp("^" + SCOPE + "log/(new|\\d+/edit)$");
var STALE_MS = 10 * 60 * 1000;

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && request.method === "POST" && LOG_POST.test(url.pathname)) {
    event.respondWith(sendOrKeep(request));
  } else if (request.method !== "GET") {
    return;
  } else if (request.mode === "navigate" && url.pathname.indexOf(SCOPE) === 0) {
    event.respondWith(page(request));
  } else if (ASSETS.indexOf(url.pathname) >= 0) {
    event.respondWith(fetch(request).catch(function () {
      return caches.match(request.url, { cacheName: STATIC }).then(orError);
    }));
  }
});

self.addEventListener("message", function (event) {
  var port = event.ports && event.ports[0];
  var data = event.data || {};
  var work = {
    refresh: function () { return refresh(Boolean(data.force)); },
    queue: function () { return queue(); },
    sync: function () { return sync(); },
    drop: function () { return dropCase(String(data.token || "")).then(queue); },
    told: function () { return writeUntold([]).then(function () { return {}; }); },
    entry: function () { return ownCase(String(data.token || "")); },
    forget: function () { return forget(true).then(function () { return {}; }); }
  }[data.type];
  if (!work) return;
  event.waitUntil(work().catch(function () { return { failed: true }; })
    .then(function (answer) { if (port) port.postMessage(answer || {}); }));
});

self.addEventListener("periodicsync", function (event) {
  if (event.tag === "yorisoi-refresh") event.waitUntil(refresh(false).then(sync));
});

self.addEventListener("sync", function (event) {
  if (event.tag === "yorisoi-cases") event.waitUntil(sync());
});

function orError(response) { return response || Response.error(); }

// --- pages ---------------------------------------------------------------------------------

// Network first; a listed page is stored as it is shown. Without a network: the stored page,
// else the home with ?offline=1 (offline.js says the page is not kept on this phone).
function page(request) {
  return fetch(request).then(function (response) {
    if (response.ok && !response.redirected && response.type === "basic") {
      keepIfListed(request.url, response.clone());
    }
    return response;
  }, function () {
    return caches.open(PAGES).then(function (cache) {
      return cache.match(request.url, { ignoreVary: true }).then(function (hit) {
        return hit || cache.match(request.url, { ignoreSearch: true, ignoreVary: true });
      }).then(function (hit) {
        if (hit) return hit;
        return cache.match(new URL(SCOPE, self.location.origin).href, { ignoreVary: true }).then(function (home) {
          return home ? Response.redirect(new URL(SCOPE + "?offline=1", self.location.origin).href, 303)
            : Response.error();
        });
      });
    });
  });
}

function readState() {
  return caches.open(PAGES).then(function (cache) { return cache.match(STATE); })
    .then(function (hit) { return hit ? hit.json() : null; });
}

function keepIfListed(href, response) {
  var url = new URL(href);
  return readState().then(function (state) {
    if (!state || state.pages.indexOf(url.pathname + url.search) < 0) return null;
    return caches.open(PAGES).then(function (cache) { return cache.put(href, response); });
  });
}

// Asks /me/offline.json which pages are mine now; stores them (again when older than 10 min, a
// new list or a new owner). Answers the list (owner, pages, a fresh form token) or null.
// One refresh at a time: two pages opened together used to run two, and the second (seeing no
// state yet, so "another owner") forgot the pages the first had just stored.
var refreshing = Promise.resolve();
function refresh(force) {
  var next = refreshing.then(function () { return refreshNow(force); });
  refreshing = next.catch(function () { return null; });
  return next;
}

function refreshNow(force) {
  return fetch(SCOPE + "offline.json", { credentials: "same-origin", cache: "no-store" })
    .then(function (response) {
      if (response.redirected || response.status === 401 || response.status === 403) {
        return forget(false).then(function () { return { signedOut: true }; });
      }
      if (!response.ok) return null;
      return response.json().then(function (list) {
        return readState().then(function (state) {
          var same = state && state.owner === list.owner;
          var fresh = same && !force && Date.now() - state.refreshed < STALE_MS &&
            state.pages.join(" ") === list.pages.join(" ");
          if (fresh) return list;
          return (same ? Promise.resolve() : forget(false))
            .then(function () { return store(list); })
            .then(function () { return list; });
        });
      });
    });
}

function store(list) {
  return caches.open(STATIC).then(function (cache) {
    return cache.addAll(ASSETS).catch(function () { return null; });
  }).then(function () { return caches.open(PAGES); }).then(function (cache) {
    var wanted = list.pages.map(function (path) {
      return new URL(path, self.location.origin).href;
    });
    return Promise.all(wanted.map(function (href) {
      return fetch(href, { credentials: "same-origin", cache: "no-store" }).then(function (r) {
        return r.ok && !r.redirected ? cache.put(href, r) : null;
      }).catch(function () { return null; });
    })).then(function () { return cache.keys(); }).then(function (keys) {
      return Promise.all(keys.filter(function (key) {
        var own = [STATE, UNTOLD].map(function (path) { return new URL(path, self.location.origin).href; });
        return own.indexOf(key.url) < 0 && wanted.indexOf(key.url) < 0;
      }).map(function (key) { return cache.delete(key); }));
    }).then(function () {
      var state = { owner: list.owner, pages: list.pages, refreshed: Date.now() };
      return cache.put(STATE, new Response(JSON.stringify(state),
        { headers: { "Content-Type": "application/json" } }));
    });
  });
}

// Forget the stored pages; on a sign-out (``everything``) the unsent case logs too.
function forget(everything) {
  return Promise.all([caches.delete(PAGES), caches.delete(STATIC)])
    .then(function () { return everything ? clearCases() : null; });
}

// --- case logs written offline ---------------------------------------------------------------

function sendOrKeep(request) {
  var copy = request.clone();
  return fetch(request).catch(function () {
    return Promise.all([copy.formData(), readState()]).then(function (got) {
      var fields = [];
      got[0].forEach(function (value, name) { fields.push([name, String(value)]); });
      var token = field(fields, "client_token");
      if (!got[1] || !token) return Response.error();
      var entry = { token: token, url: new URL(request.url).pathname, fields: fields,
        owner: got[1].owner, savedAt: Date.now(), state: "waiting" };
      return putCase(entry).then(function () {
        if (self.registration.sync) {
          self.registration.sync.register("yorisoi-cases").catch(function () { return null; });
        }
        return Response.redirect(new URL(SCOPE + "log/?unsent=1", self.location.origin).href, 303);
      });
    });
  });
}

function field(fields, name) {
  for (var i = 0; i < fields.length; i++) if (fields[i][0] === name) return fields[i][1];
  return "";
}

// The owner's cases: {owner, cases: [{token, state, savedAt}]} (the fields stay here).
function queue() {
  return Promise.all([readState(), allCases()]).then(function (got) {
    var owner = got[0] && got[0].owner;
    return {
      owner: owner,
      cases: got[1].filter(function (c) { return c.owner === owner; }).map(function (c) {
        return { token: c.token, state: c.state, savedAt: c.savedAt };
      })
    };
  });
}

// Send the owner's cases, one by one, with a fresh form token. Saved (or saved before: same
// client_token) → forgotten; refused (422) → kept as "needs checking".
function sync() {
  return refresh(false).catch(function () { return null; }).then(function (list) {
    if (!list || !list.csrf) return queue();
    return allCases().then(function (cases) {
      // Refused ones too: once corrected on the form (same client_token) they answer "saved".
      var mine = cases.filter(function (c) { return c.owner === list.owner; });
      var sent = [];
      return mine.reduce(function (done, entry) {
        return done.then(function () {
          return post(entry, list.csrf).then(function (outcome) {
            if (outcome === "sent") { sent.push(entry.token); return dropCase(entry.token); }
            if (outcome === "refused") { entry.state = "refused"; return putCase(entry); }
            return null;
          });
        });
      }, Promise.resolve()).then(function () { return addUntold(sent); }).then(function (untold) {
        return queue().then(function (answer) {
          answer.sent = untold;
          return answer;
        });
      });
    });
  });
}

// Cases sent count as "not told yet" until a page has said so (the page that asked may have been
// left before the answer came: the next page says it instead).
function readUntold() {
  return caches.open(PAGES).then(function (cache) { return cache.match(UNTOLD); })
    .then(function (hit) { return hit ? hit.json() : []; })
    .then(function (tokens) { return Array.isArray(tokens) ? tokens : []; })
    .catch(function () { return []; });
}
function writeUntold(tokens) {
  return caches.open(PAGES).then(function (cache) {
    return tokens.length ? cache.put(UNTOLD, new Response(JSON.stringify(tokens)))
      : cache.delete(UNTOLD);
  });
}
// Adds the tokens just sent (two pages' syncs may send the same case: the server saves it once,
// and it is counted once here); answers how many cases are sent and not told yet.
function addUntold(sent) {
  return readUntold().then(function (before) {
    var all = before.concat(sent.filter(function (t) { return before.indexOf(t) < 0; }));
    return (sent.length ? writeUntold(all) : Promise.resolve()).then(function () {
      return all.length;
    });
  });
}

function ownCase(token) {
  return Promise.all([readState(), allCases()]).then(function (got) {
    var owner = got[0] && got[0].owner;
    return got[1].filter(function (c) { return c.owner === owner && c.token === token; })[0] || null;
  });
}

function post(entry, csrf) {
  var body = new URLSearchParams();
  entry.fields.forEach(function (pair) {
    body.append(pair[0], pair[0] === "csrf_token" ? csrf : pair[1]);
  });
  return fetch(entry.url, { method: "POST", body: body, credentials: "same-origin",
    headers: { "X-CSRFToken": csrf } }).then(function (response) {
    var path = new URL(response.url).pathname;
    if (response.ok && response.redirected && path === SCOPE + "log/") return "sent";
    if (response.status === 422) return "refused";
    return "later";
  }, function () { return "later"; });
}

function database() {
  return new Promise(function (resolve, reject) {
    var opening = indexedDB.open("yorisoi-offline", 1);
    opening.onupgradeneeded = function () {
      opening.result.createObjectStore("cases", { keyPath: "token" });
    };
    opening.onsuccess = function () { resolve(opening.result); };
    opening.onerror = function () { reject(opening.error); };
  });
}

function withStore(mode, action) {
  return database().then(function (db) {
    return new Promise(function (resolve, reject) {
      var tx = db.transaction("cases", mode);
      var result = action(tx.objectStore("cases"));
      tx.oncomplete = function () { db.close(); resolve(result && result.result); };
      tx.onerror = function () { db.close(); reject(tx.error); };
    });
  });
}

function putCase(entry) { return withStore("readwrite", function (s) { s.put(entry); }); }
function dropCase(token) { return withStore("readwrite", function (s) { s.delete(token); }); }
function clearCases() { return withStore("readwrite", function (s) { s.clear(); }); }
function allCases() {
  return withStore("readonly", function (s) { return s.getAll(); }).then(function (all) {
    return all || [];
  });
}

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
