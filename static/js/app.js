// The staff and public pages' own behaviour, in one file so the Content-Security-Policy can
// forbid inline scripts and handlers (script-src 'self'). Each part keys on a data- attribute.
(function () {
  "use strict";

  /* An htmx request the server refused (403, 404, 409...) swaps nothing: say why, in the
     words of the error page, instead of leaving the control silently unchanged. */
  document.addEventListener("htmx:responseError", function (event) {
    var doc = new DOMParser().parseFromString(event.detail.xhr.responseText, "text/html");
    var heading = doc.querySelector(".error-page h1");
    var toast = document.getElementById("toast");
    var control = event.detail.elt;
    if (!toast) return;
    if (control && control.type === "checkbox") control.checked = !control.checked;
    toast.textContent = heading ? heading.textContent : event.detail.xhr.status + " " + event.detail.xhr.statusText;
    toast.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { toast.hidden = true; }, 6000);
  });

  /* A target marked data-swap-refusals shows a refusal (4xx) in place, like any other answer
     (the receipt check: "not a receipt code" is an answer, not an error). */
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.hasAttribute("data-swap-refusals") && event.detail.xhr.status < 500) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("click", function (event) {
    var print = event.target.closest("[data-print]");
    if (print) { window.print(); return; }
    var back = event.target.closest("[data-back]");
    if (back && window.history.length > 1) { event.preventDefault(); window.history.back(); }
  });

  /* A form marked data-confirm asks its question before it is sent. */
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);

  /* A printout shows collapsed sections too. */
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (details) { details.open = true; });
  });
})();
