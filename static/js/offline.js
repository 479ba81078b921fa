// The supporter app on a bad connection (progressive enhancement; every page works without it).
// Registers the service worker (static/sw.js), which keeps the supporter's own pages of the next
// 14 days and the case logs posted without a network. This file says so in the page's language
// (the words are data-* attributes of #offline-box), sends waiting case logs when the connection
// returns, gives each case typed on a kept form its own client_token, and forgets everything
// kept on this phone at sign-out.
(function () {
  "use strict";
  var box = document.getElementById("offline-box");
  if (!box || !("serviceWorker" in navigator) || !("caches" in window)) return;
  var words = box.dataset;
  var scope = new URL(words.worker, location.href).pathname.replace(/[^/]*$/, "");
  var LABELS = "yorisoi-offline-labels";
  var USED = "yorisoi-used-tokens";
  var SENT = "yorisoi-sent";
  var QUEUED = "yorisoi-queued";  // tokens this phone has shown as "not sent yet"
  var query = new URLSearchParams(location.search);
  var warned = false;
  var retries = 0;

  function load(key, empty) {
    try { return JSON.parse(localStorage.getItem(key)) || empty; } catch (error) { return empty; }
  }
  function save(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (error) { /* private mode */ }
  }
  function forgetHere() {
    [LABELS, USED, QUEUED].forEach(function (key) { localStorage.removeItem(key); });
    sessionStorage.removeItem(SENT);
  }

  // One question to the service worker, answered through a MessageChannel (null on no answer,
  // also when no worker ever becomes ready: signing out must never hang on it).
  function ask(message, seconds) {
    return new Promise(function (resolve) {
      var timer = setTimeout(function () { resolve(null); }, (seconds || 20) * 1000);
      navigator.serviceWorker.ready.then(function (registration) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function (event) { clearTimeout(timer); resolve(event.data); };
        registration.active.postMessage(message, [channel.port2]);
      });
    });
  }

  // A form with a field named "submit" hides its own submit(): call the real one.
  function submit(target) { HTMLFormElement.prototype.submit.call(target); }

  function token() {
    var bytes = new Uint8Array(24);
    crypto.getRandomValues(bytes);
    return btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, "-").replace(/\//g, "_")
      .replace(/=+$/, "");
  }

  // A new-case form shown from the phone's copy carries a token already used: give it a new one.
  var form = document.querySelector("form[data-testid='log-form']");
  var tokenInput = form && form.querySelector("input[name='client_token']");
  if (tokenInput) {
    var used = load(USED, []);
    if (/\/log\/new$/.test(location.pathname) && used.indexOf(tokenInput.value) >= 0) {
      tokenInput.value = token();
    }
    form.addEventListener("submit", function () {
      used = load(USED, []).concat([tokenInput.value]).slice(-50);
      save(USED, used);
      var labels = load(LABELS, {});
      labels[tokenInput.value] = summary(form);
      save(LABELS, labels);
    });
  }

  function summary(form) {
    var kind = form.querySelector("[data-testid='category'] input:checked");
    var label = kind && kind.parentNode ? kind.parentNode.textContent.trim() : "";
    var day = form.querySelector("input[name='happened_on']");
    var when = day ? day.value : "";
    try {
      when = new Date(when + "T12:00:00").toLocaleDateString(document.documentElement.lang,
        { month: "short", day: "numeric" });
    } catch (error) { /* the date as typed */ }
    return [label, when].filter(Boolean).join(" · ");
  }

  function paragraph(text, testid) {
    var p = document.createElement("p");
    p.textContent = text;
    if (testid) p.dataset.testid = testid;
    return p;
  }

  function button(text, action) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "small";
    b.textContent = text;
    b.addEventListener("click", action);
    return b;
  }

  // What the phone holds: offline or not, a page not kept, the cases not sent yet.
  function render(answer) {
    var cases = (answer && answer.cases) || [];
    var labels = load(LABELS, {});
    if (answer && answer.owner) remember(cases);
    box.textContent = "";
    if (!navigator.onLine) box.appendChild(paragraph(words.offline, "offline-notice"));
    if (query.get("offline") === "1") box.appendChild(paragraph(words.notKept, "not-kept"));
    var sent = sessionStorage.getItem(SENT);
    if (sent && navigator.onLine) {
      box.appendChild(paragraph(words.sent, "offline-sent"));
      sessionStorage.removeItem(SENT);
    }
    if (cases.length) {
      var heading = document.createElement("h2");
      heading.textContent = words.waitingTitle;
      box.appendChild(heading);
      box.appendChild(paragraph(words.waitingHint));
      var list = document.createElement("ul");
      list.dataset.testid = "unsent-cases";
      cases.forEach(function (item) {
        var li = document.createElement("li");
        li.dataset.state = item.state;
        var name = labels[item.token] || words.aCase;
        var state = item.state === "refused" ? words.refused : words.waiting;
        li.appendChild(document.createTextNode(name + " — "));
        var strong = document.createElement("strong");
        strong.textContent = state;
        li.appendChild(strong);
        if (item.state === "refused") {
          li.appendChild(document.createTextNode(" "));
          li.appendChild(button(words.check, function () { reopen(item.token); }));
          li.appendChild(button(words.remove, function () {
            save(QUEUED, load(QUEUED, []).filter(function (t) { return t !== item.token; }));
            ask({ type: "drop", token: item.token }).then(render);
          }));
        }
        list.appendChild(li);
      });
      box.appendChild(list);
      if (warned) box.appendChild(paragraph(words.signOutWarning, "sign-out-warning"));
    }
    if (answer && answer.owner) {  // tidy the labels of cases already sent
      var kept = {};
      cases.forEach(function (item) { if (labels[item.token]) kept[item.token] = labels[item.token]; });
      save(LABELS, kept);
    }
    box.hidden = !box.firstChild;
  }

  // A refused case goes back to the server's own form, which shows why (same client_token).
  function reopen(tokenValue) {
    ask({ type: "entry", token: tokenValue }).then(function (entry) {
      if (!entry || !entry.fields) return;
      // The form shown again keeps this case's token: saved once, whichever copy arrives.
      save(USED, load(USED, []).filter(function (used) { return used !== tokenValue; }));
      var csrf = document.querySelector("input[name='csrf_token']");
      var out = document.createElement("form");
      out.method = "post";
      out.action = entry.url;
      entry.fields.forEach(function (pair) {
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = pair[0];
        input.value = pair[0] === "csrf_token" && csrf ? csrf.value : pair[1];
        out.appendChild(input);
      });
      document.body.appendChild(out);
      submit(out);
    });
  }

  // Cases sent (by this page's question or an earlier page's) are said once: this page keeps the
  // news, then tells the worker it has been said.
  function remember(cases) {
    var queued = load(QUEUED, []);
    cases.forEach(function (item) { if (queued.indexOf(item.token) < 0) queued.push(item.token); });
    save(QUEUED, queued.slice(-100));
  }

  // How many cases this phone showed as waiting are no longer waiting after a sync: they were
  // sent, by this page's question or by another page's (which may have been left before its
  // answer came). Only cases shown as waiting count, so a case saved online is not "sent" again.
  function leftTheQueue(answer) {
    if (!answer.owner || answer.failed) return 0;
    var now = (answer.cases || []).map(function (item) { return item.token; });
    var gone = load(QUEUED, []).filter(function (t) { return now.indexOf(t) < 0; });
    save(QUEUED, now);
    return gone.length;
  }

  function synced(answer) {
    if (!answer) return;
    var sent = Math.max(answer.sent || 0, leftTheQueue(answer));
    var waiting = (answer.cases || []).some(function (item) { return item.state !== "refused"; });
    if (waiting && navigator.onLine && retries < 5) {  // another page may be sending them now
      retries += 1;
      setTimeout(sync, 3000);
    }
    if (!sent) { render(answer); return; }
    sessionStorage.setItem(SENT, String(sent));
    ask({ type: "told" }, 5).then(function () {
      if (/\/(log\/)?$/.test(location.pathname)) {
        location.replace(location.pathname);  // the list now shows the cases sent
      } else {
        render(answer);
      }
    });
  }

  function sync() {
    if (navigator.onLine) ask({ type: "sync" }).then(synced);
    else ask({ type: "queue" }).then(render);
  }

  // Sign-out: send what waits; if some cannot be sent, say so once; then forget this phone's copy.
  var signOut = document.querySelector("form[action$='/logout']");
  if (signOut) {
    signOut.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!navigator.onLine) { sync(); return; }  // nothing is forgotten before it can be sent
      var leave = function () {
        forgetHere();
        var go = function () { submit(signOut); };
        ask({ type: "forget" }, 5).then(go, go);
      };
      ask({ type: "sync" }, 8).then(function (answer) {
        if (!answer || answer.failed) { submit(signOut); return; }  // nothing forgotten unsent
        if (answer.cases && answer.cases.length && !warned) {
          warned = true;
          render(answer);
          box.scrollIntoView();
          return;
        }
        leave();
      }, leave);
    });
  }

  navigator.serviceWorker.register(words.worker, { scope: scope }).then(function (registration) {
    if (registration.periodicSync) {
      registration.periodicSync.register("yorisoi-refresh", { minInterval: 12 * 3600 * 1000 })
        .catch(function () { return null; });
    }
    sync();
  }).catch(function () { return null; });
  window.addEventListener("online", sync);
  window.addEventListener("offline", sync);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") sync();
  });
})();
