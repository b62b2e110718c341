/* Open a session with a counting-committee key (templates/chair/sessions/_committee_open.html).
   The answer to the POST is the share cards PDF, the only copy of the shares there will ever
   be: save it as a download, then reload the page, which shows the open session. A refusal
   (a bad number, a session already open) is shown in the toast, as for htmx requests. */
(function () {
  "use strict";
  if (window.shareDownloadReady) return;  /* loaded twice: one listener, one POST */
  window.shareDownloadReady = true;

  function toast(text) {
    var box = document.getElementById("toast");
    box.textContent = text;
    box.hidden = false;
    clearTimeout(box.timer);
    box.timer = setTimeout(function () { box.hidden = true; }, 8000);
  }

  function save(blob, filename) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = filename;
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  function refusal(response) {
    return response.json().then(function (body) {
      var vietnamese = document.documentElement.lang === "vi";
      return body.error[vietnamese ? "message_vi" : "message"];
    }, function () { return response.status + " " + response.statusText; });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-share-download]")) return;
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                        headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) return refusal(response).then(function (text) { throw new Error(text); });
        if (response.headers.get("Content-Type") !== "application/pdf") {
          throw new Error(form.dataset.unexpected);  /* e.g. the login page after a long pause */
        }
        var disposition = response.headers.get("Content-Disposition") || "";
        var filename = (disposition.match(/filename="([^"]+)"/) || [null, "key-shares.pdf"])[1];
        return response.blob().then(function (blob) {
          save(blob, filename);
          setTimeout(function () { window.location.reload(); }, 1500);
        });
      })
      .catch(function (error) {
        toast(error.message);
        button.disabled = false;
      });
  });
})();
