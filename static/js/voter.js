// The voter's phone page (templates/voter/ballot.html): token → ballot → confirm → seal in
// the browser (VotingSealed, under the scheme the lookup names: sealed-v2, or sealed-v1 for an
// older session) → cast → receipt. The token never goes into a URL the
// server sees: it comes from the fragment or is typed, and travels only in POST bodies.
(function () {
  "use strict";

  var T = JSON.parse(document.getElementById("voter-strings").textContent);
  var STASH_KEY = "votingapp.voter";  // survives one language switch, then is removed
  var TOKEN_ALPHABET = /^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{20}$/;
  var KNOWN_ERRORS = ["unknown_token", "token_used", "token_void", "session_not_open", "wrong_session"];

  var state = {token: null, session: null, choices: {}, wire: null, receipt: null};

  function $(id) { return document.getElementById(id); }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, name) { return String(values[name]); });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function show(name) {
    var screens = document.querySelectorAll("[data-screen]");
    for (var i = 0; i < screens.length; i++) screens[i].hidden = screens[i].dataset.screen !== name;
    window.scrollTo(0, 0);
    var heading = document.querySelector('[data-screen="' + name + '"] h1');
    if (heading) { heading.tabIndex = -1; heading.focus({preventScroll: true}); }
  }

  // --- token: fragment, typed code, or stashed across a language switch ---------------------

  function normalizeToken(text) {
    return String(text || "").toUpperCase().replace(/[\s-]+/g, "");
  }

  function tokenFromFragment() {
    var fragment = decodeURIComponent(location.hash.replace(/^#/, ""));
    fragment = fragment.replace(/^(t|token)=/i, "");
    if (!fragment) return null;
    // Drop the token from the address bar, history and any later copy of the URL.
    history.replaceState(null, "", location.pathname + location.search);
    return normalizeToken(fragment);
  }

  function takeStash() {
    try {
      var raw = sessionStorage.getItem(STASH_KEY);
      sessionStorage.removeItem(STASH_KEY);
      return raw ? JSON.parse(raw) : null;
    } catch (e) { return null; }
  }

  function stashForLanguageSwitch() {
    var kept = {token: state.token, receipt: state.receipt, session: state.session && state.session.id,
                wire: state.receipt ? null : state.wire};
    try { sessionStorage.setItem(STASH_KEY, JSON.stringify(kept)); } catch (e) { /* private mode */ }
  }

  // --- talking to the server --------------------------------------------------------------

  function NetworkError() { this.name = "NetworkError"; }

  function ApiError(error, status) {
    this.name = "ApiError";
    this.code = error.code;
    this.message = error.message;
    this.message_vi = error.message_vi;
    this.status = status;
  }

  function postJson(url, body) {
    return fetch(url, {
      method: "POST",
      headers: {"Content-Type": "application/json", "Accept": "application/json"},
      body: JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    }).catch(function () { throw new NetworkError(); }).then(function (response) {
      return response.json().catch(function () { throw new NetworkError(); }).then(function (data) {
        if (response.ok) return data;
        if (data && data.error && data.error.code) throw new ApiError(data.error, response.status);
        throw new NetworkError();
      });
    });
  }

  // --- screens ----------------------------------------------------------------------------

  function showError(error, retry) {
    var known = error instanceof ApiError && KNOWN_ERRORS.indexOf(error.code) >= 0;
    var key = known ? error.code : error instanceof NetworkError ? "network" : error instanceof ApiError ? "other" : "crypto";
    var text = T.errors[key];
    var mine = "", other = "";
    if (error instanceof ApiError) {
      mine = T.lang === "en" ? error.message : error.message_vi;
      other = T.lang === "en" ? error.message_vi : error.message;
    } else {
      mine = text.message || "";
    }
    $("error-title").textContent = text.title;
    $("error-message").textContent = known ? "" : mine;
    $("error-message").hidden = known || !mine;
    $("error-hint").textContent = text.hint;
    $("error-message-other").textContent = other;
    $("error-message-other").lang = T.lang === "en" ? "vi" : "en";
    $("error-message-other").hidden = !other;
    $("error-retry").hidden = !retry || key === "token_used" || key === "token_void" || key === "unknown_token";
    $("error-retry").onclick = retry || null;
    $("error-enter").hidden = !(key === "unknown_token" || key === "wrong_session" || key === "token_void" || key === "token_used");
    document.querySelector('[data-screen="error"]').dataset.code = key;
    show("error");
  }

  function lookUp(token) {
    state.token = token;
    show("loading");
    postJson(T.lookup_url, {token: token}).then(function (session) {
      state.session = session;
      state.choices = {};
      renderBallot(session);
      show("ballot");
    }, function (error) {
      showError(error, function () { lookUp(token); });
    });
  }

  function optionLabel(option) {
    return T.lang === "en" ? option.label_en || option.label : option.label;
  }

  function renderBallot(session) {
    var head = document.querySelector(".ballot-head");
    head.querySelector('[data-fill="organization"]').textContent = session.organization || "";
    head.querySelector('[data-fill="meeting"]').textContent = session.meeting || "";
    head.querySelector('[data-fill="title"]').textContent = session.title;
    var list = $("subjects");
    list.textContent = "";
    list.classList.toggle("single", session.subjects.length === 1);
    session.subjects.forEach(function (subject, index) {
      var item = el("li", "subject");
      item.dataset.subject = subject.id;
      var fieldset = el("fieldset");
      // A motion's one subject usually repeats the title: keep it for screen readers only.
      var legend = el("legend", subject.name === session.title && session.subjects.length === 1 ? "repeats-title" : "");
      legend.appendChild(el("span", "number", String(index + 1)));
      var who = el("span", "who");
      who.appendChild(el("span", "name", subject.name));
      if (subject.detail) who.appendChild(el("span", "detail", subject.detail));
      legend.appendChild(who);
      fieldset.appendChild(legend);
      subject.options.forEach(function (option) {
        var label = el("label", "option");
        var input = el("input");
        input.type = "radio";
        input.name = "subject-" + index;
        input.value = option.id;
        input.addEventListener("change", function () {
          state.choices[subject.id] = option.id;
          item.classList.remove("missing");
          updateProgress();
        });
        label.appendChild(input);
        label.appendChild(el("span", "option-box", optionLabel(option)));
        fieldset.appendChild(label);
      });
      fieldset.appendChild(el("p", "missing-note", T.missing_subject));
      item.appendChild(fieldset);
      list.appendChild(item);
    });
    updateProgress();
  }

  function missingSubjects() {
    return state.session.subjects.filter(function (subject) { return !state.choices[subject.id]; });
  }

  function updateProgress() {
    var total = state.session.subjects.length;
    $("ballot-progress").textContent = fill(T.chosen_count, {done: total - missingSubjects().length, total: total});
    $("ballot-progress").classList.remove("is-error");
  }

  function reviewBallot(event) {
    event.preventDefault();
    var missing = missingSubjects();
    if (missing.length) {
      missing.forEach(function (subject) {
        document.querySelector('[data-subject="' + CSS.escape(subject.id) + '"]').classList.add("missing");
      });
      $("ballot-progress").textContent = fill(T.missing, {count: missing.length});
      $("ballot-progress").classList.add("is-error");
      document.querySelector('[data-subject="' + CSS.escape(missing[0].id) + '"]').scrollIntoView({block: "start"});
      return;
    }
    var summary = $("summary");
    summary.textContent = "";
    state.session.subjects.forEach(function (subject) {
      var option = subject.options.filter(function (o) { return o.id === state.choices[subject.id]; })[0];
      var item = el("li");
      item.appendChild(el("span", "name", subject.name));
      item.appendChild(el("strong", "summary-choice", optionLabel(option)));
      summary.appendChild(item);
    });
    show("confirm");
  }

  function sealAndSend() {
    show("sending");
    try {
      var session = state.session;
      state.wire = window.VotingSealed.sealBallot({
        sessionId: session.id, publicKey: session.public_key, scheme: session.scheme,
        plaintextSize: session.plaintext_size, choices: state.choices,
      });
    } catch (e) {
      showError(e, null);
      return;
    }
    state.choices = {};  // the plaintext is not needed any more; only the ciphertext is kept
    send();
  }

  // Every retry sends exactly the same ciphertext: the server then answers 200 with the same
  // receipt if the first attempt got through and only its answer was lost.
  function send() {
    show("sending");
    postJson(T.cast_url, {token: state.token, session: state.session.id, ballot: state.wire})
      .then(function (answer) {
        showReceipt(answer.receipt);
      }, function (error) {
        if (error instanceof NetworkError) { show("retry"); return; }
        showError(error, null);
      });
  }

  function showReceipt(receipt) {
    state.receipt = receipt;
    state.wire = null;
    $("receipt-short").textContent = receipt.slice(0, 8);
    $("receipt-full").textContent = receipt.match(/.{1,8}/g).join(" ");
    $("receipt-check").href = T.receipt_url + (state.session ? "?session=" + encodeURIComponent(state.session.id) : "");
    show("receipt");
  }

  function enterCode(event) {
    event.preventDefault();
    var token = normalizeToken($("code-input").value);
    var problem = !token ? T.code_empty
      : token.length !== 20 ? fill(T.code_length, {count: token.length}) : null;
    $("code-error").textContent = problem || "";
    $("code-error").hidden = !problem;
    if (!problem) lookUp(token);
  }

  function showEnter() {
    state.token = null;
    $("code-input").value = "";
    $("code-error").hidden = true;
    show("enter");
  }

  function start(token) {
    if (token && TOKEN_ALPHABET.test(token)) lookUp(token);
    else if (token) { showEnter(); $("code-input").value = token; }
    else showEnter();
  }

  function resume(stash) {
    state.token = stash.token;
    if (stash.receipt) { state.session = stash.session ? {id: stash.session} : null; showReceipt(stash.receipt); return; }
    if (stash.wire && stash.session) {  // the language changed while a ballot was unanswered
      state.wire = stash.wire;
      state.session = {id: stash.session};
      send();
      return;
    }
    start(stash.token);
  }

  // --- wiring -------------------------------------------------------------------------------

  $("code-form").addEventListener("submit", enterCode);
  $("ballot-form").addEventListener("submit", reviewBallot);
  $("confirm-send").addEventListener("click", sealAndSend);
  $("confirm-back").addEventListener("click", function () { show("ballot"); });
  $("retry-send").addEventListener("click", send);
  $("error-enter").addEventListener("click", showEnter);
  var languageLinks = document.querySelectorAll(".lang a");
  for (var i = 0; i < languageLinks.length; i++) languageLinks[i].addEventListener("click", stashForLanguageSwitch);
  window.addEventListener("hashchange", function () {
    var token = tokenFromFragment();
    if (token) start(token);
  });

  if (!window.VotingSealed || !window.crypto || !window.crypto.getRandomValues) {
    showError(new Error("no crypto"), null);
    return;
  }
  var fromFragment = tokenFromFragment();
  var stash = takeStash();
  if (fromFragment) start(fromFragment);
  else if (stash && stash.token) resume(stash);
  else showEnter();
})();
