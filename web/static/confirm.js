// Forms with data-confirm="question" ask before they submit (no inline handlers: see the CSP).
document.addEventListener("submit", function (event) {
  var question = event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
