// Web Push on the supporter's "Messages" page: turn it on (register the service worker, ask
// permission — only when the button is pressed —, subscribe with the programme's VAPID key, send
// the subscription to Yorisoi) or off on this phone (forget it here and on the server). Shown
// only where the browser can do it; every outcome is said in the page's language.
(function () {
  "use strict";
  var on = document.getElementById("push-on");
  var off = document.getElementById("push-off");
  if (!on || !("serviceWorker" in navigator) || !("PushManager" in window)) return;
  var status = document.getElementById("push-status");
  var scope = new URL(on.dataset.worker, location.href).pathname.replace(/[^/]*$/, "");

  function key(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": on.dataset.csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
    });
  }

  function show(subscribed) {
    on.hidden = subscribed;
    if (off) off.hidden = !subscribed;
  }

  // Already on in this browser? Then offer "turn off" instead.
  navigator.serviceWorker.getRegistration(scope)
    .then(function (registration) { return registration ? registration.pushManager.getSubscription() : null; })
    .then(function (subscription) { show(Boolean(subscription)); })
    .catch(function () { show(false); });

  on.addEventListener("click", function () {
    on.disabled = true;
    navigator.serviceWorker.register(on.dataset.worker, { scope: scope })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (registration) {
        return registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: key(on.dataset.key)
        });
      })
      .then(function (subscription) { return post(on.dataset.save, subscription.toJSON()); })
      .then(function () {
        status.textContent = on.dataset.done;
        on.disabled = false;
        show(true);
      })
      .catch(function () {
        status.textContent = on.dataset.failed;
        on.disabled = false;
      });
  });

  if (off) off.addEventListener("click", function () {
    off.disabled = true;
    navigator.serviceWorker.getRegistration(scope)
      .then(function (registration) { return registration ? registration.pushManager.getSubscription() : null; })
      .then(function (subscription) {
        if (!subscription) return null;
        return post(on.dataset.forget, { endpoint: subscription.endpoint })
          .then(function () { return subscription.unsubscribe(); });
      })
      .then(function () {
        status.textContent = on.dataset.off;
        off.disabled = false;
        show(false);
      })
      .catch(function () {
        status.textContent = on.dataset.failed;
        off.disabled = false;
      });
  });
})();
