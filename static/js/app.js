// Progressive enhancement only: every form works without this file.
document.addEventListener("DOMContentLoaded", () => {
  for (const el of document.querySelectorAll(".js-hide")) el.hidden = true;
  for (const select of document.querySelectorAll("select.js-autosubmit")) {
    select.addEventListener("change", () => select.form.submit());
  }
  // On a phone a list table shows each row as a card and hides its header row (app.css): each
  // cell is labelled with its column's heading instead.
  for (const table of document.querySelectorAll("table.list")) {
    const headings = [];
    const header = table.tHead && table.tHead.rows[0];
    for (const th of header ? header.cells : []) {
      for (let i = 0; i < th.colSpan; i++) headings.push(th.textContent.trim());
    }
    for (const body of table.tBodies) {
      for (const row of body.rows) {
        let column = 0;
        for (const cell of row.cells) {
          if (headings[column] && !cell.dataset.label) cell.dataset.label = headings[column];
          column += cell.colSpan;
        }
      }
    }
  }
  // A double tap sends a form once (the server is idempotent too).
  for (const form of document.querySelectorAll("form.js-once")) {
    form.addEventListener("submit", (event) => {
      if (form.dataset.sent) event.preventDefault();
      form.dataset.sent = "1";
    });
  }
});
