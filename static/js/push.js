// Turn on Web Push from the supporter's "Messages" page: register the service worker, subscribe
// with the programme's VAPID key, and send the subscription to Yorisoi. Shown only where the
// browser can do it; a refusal is said in the page's language.
(function () {
  "use strict";
  var button = document.getElementById("push-on");
  if (!button || !("serviceWorker" in navigator) || !("PushManager" in window)) return;
  var status = document.getElementById("push-status");
  button.hidden = false;

  function key(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    navigator.serviceWorker.register(button.dataset.worker, { scope: "/me/" })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (registration) {
        return registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: key(button.dataset.key)
        });
      })
      .then(function (subscription) {
        return fetch(button.dataset.save, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": button.dataset.csrf },
          body: JSON.stringify(subscription.toJSON())
        });
      })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        status.textContent = button.dataset.done;
      })
      .catch(function () {
        status.textContent = button.dataset.failed;
        button.disabled = false;
      });
  });
})();
