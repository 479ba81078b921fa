// Progressive enhancement only: every form works without this file.
document.addEventListener("DOMContentLoaded", () => {
  for (const el of document.querySelectorAll(".js-hide")) el.hidden = true;
  for (const select of document.querySelectorAll("select.js-autosubmit")) {
    select.addEventListener("change", () => select.form.submit());
  }
  // A double tap sends a form once (the server is idempotent too).
  for (const form of document.querySelectorAll("form.js-once")) {
    form.addEventListener("submit", (event) => {
      if (form.dataset.sent) event.preventDefault();
      form.dataset.sent = "1";
    });
  }
});
