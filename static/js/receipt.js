// The receipt check (templates/audit/receipt.html) on the voter's light layout, without htmx:
// the answer replaces only the result below the form, with the fragment the server renders
// for an HX-Request (full page normally, fragment on HX-Request), so the phone's Back button
// returns to a page, never to a form to post again. Without JavaScript, or with no answer,
// the form posts as a plain form and the whole page comes back with the answer.
(function () {
  "use strict";
  var form = document.querySelector(".receipt-form");
  var result = document.getElementById("receipt-result");
  if (!form || !result || !window.fetch || !window.FormData || !window.URLSearchParams) return;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      headers: {"HX-Request": "true"},
      credentials: "same-origin",
      cache: "no-store",
    }).then(function (response) {
      if (response.status >= 500) throw new Error("server error " + response.status);
      return response.text();  // a refusal (4xx) is an answer too: it is shown in place
    }).then(function (html) {
      result.innerHTML = html;
      result.scrollIntoView({block: "nearest"});
    }, function () {
      form.submit();  // the plain post shows what went wrong
    });
  });
})();
