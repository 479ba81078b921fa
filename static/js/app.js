// Progressive enhancement only: every form works without this file.
document.addEventListener("DOMContentLoaded", () => {
  for (const el of document.querySelectorAll(".js-hide")) el.hidden = true;
  for (const select of document.querySelectorAll("select.js-autosubmit")) {
    select.addEventListener("change", () => select.form.submit());
  }
});
