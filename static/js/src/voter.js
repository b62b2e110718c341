// The voter's phone page (templates/voter/ballot.html; `npm run build` minifies this file into
// static/js/voter.js, which the page loads): token → ballot → confirm → seal in the browser
// under the scheme the lookup names → cast → receipt. The token never goes into a URL the
// server sees: it comes from the fragment or is typed, and travels only in POST bodies.
//
// verifiable-v1 (the default; VotingVerifiable, loaded with the page): the sealed ballot's
// short code is shown first, then the voter either casts it or checks it (Benaloh, spec §5):
// a checked ballot goes to /ballot/spoil with its randomness, is published and never counted;
// the phone shows the choices it had sealed, forgets that ballot and seals afresh. The
// randomness (the "reveal") lives only in memory, and only until the ballot is cast or checked.
// sealed-v1/v2 (older sessions, or one the chair chose): VotingSealed is loaded only then
// (a same-origin script the voter-code fingerprint covers), and the ballot is sent at once.
//
// The receipt survives a reload: it is kept in sessionStorage under the session's id, never
// beside the token, with a tag SHA-256("votingapp/receipt-tag-v1|" token "|" receipt) that only
// the token's holder can recompute: so a used code typed again on the phone that used it finds
// its receipt, and nobody who reads the storage without the code learns which code it was.
// Back and Forward move between the steps (History API) without leaving the page.
(function () {
  "use strict";

  var T = JSON.parse(document.getElementById("voter-strings").textContent);
  var STASH_KEY = "votingapp.voter";  // survives one language switch, then is removed
  var RECEIPT_KEY = "votingapp.receipt.";  // + session id: {receipt, tag, title}
  var LAST_RECEIPT_KEY = "votingapp.receipt-last";  // the session id of the last receipt
  var TOKEN_ALPHABET = /^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{20}$/;
  var KNOWN_ERRORS = ["unknown_token", "token_used", "token_void", "session_not_open", "session_ended", "wrong_session"];

  var VERIFIABLE = "verifiable-v1";
  var BUSY = {sending: true, sealing: true, checking: true};  // steps Back must not interrupt

  // sealed: {wire, receipt, reveal} of the verifiable ballot on screen (neither cast nor checked)
  var state = {token: null, session: null, choices: {}, wire: null, receipt: null, step: null,
               sealed: null, noMoreChecks: false};

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
    state.step = name;
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
    // After the receipt the token is not kept at all: the receipt store has what is needed.
    // A sealed but undecided verifiable ballot is not kept (its reveal stays in memory only):
    // the voter finds the confirm step again and seals afresh.
    var kept = state.receipt ? {receipt_session: state.session && state.session.id}
      : {token: state.token, session: state.session && state.session.id, wire: state.wire,
         choices: state.wire ? null : state.choices,
         step: state.step === "code" || state.step === "checked" ? "confirm" : state.step};
    try { sessionStorage.setItem(STASH_KEY, JSON.stringify(kept)); } catch (e) { /* private mode */ }
  }

  // --- the receipt store: by session, never with the token -----------------------------------

  function sha256Hex(text) {
    // SHA-256 of the UTF-8 bytes, by the bundle's audited receipt hash (SHA-256 of the ballot
    // bytes); crypto.subtle is missing over the hall's plain HTTP.
    var V = window.VotingVerifiable;
    return V.receiptOf(V.toWire(new TextEncoder().encode(text)));
  }

  function receiptTag(token, receipt) {
    return sha256Hex("votingapp/receipt-tag-v1|" + token + "|" + receipt);
  }

  function storeReceipt(token, sessionId, title, receipt) {
    try {
      sessionStorage.setItem(RECEIPT_KEY + sessionId, JSON.stringify(
        {receipt: receipt, tag: receiptTag(token, receipt), title: title || ""}));
      sessionStorage.setItem(LAST_RECEIPT_KEY, sessionId);
    } catch (e) { /* private mode: the receipt is still on screen */ }
  }

  function storedReceipt(sessionId) {
    try {
      var raw = sessionStorage.getItem(RECEIPT_KEY + sessionId);
      return raw ? JSON.parse(raw) : null;
    } catch (e) { return null; }
  }

  function receiptOfToken(token) {
    // The stored receipt this token cast, if it was cast on this phone: found by its tag.
    try {
      for (var i = 0; i < sessionStorage.length; i++) {
        var key = sessionStorage.key(i);
        if (key.indexOf(RECEIPT_KEY) !== 0) continue;
        var kept = JSON.parse(sessionStorage.getItem(key));
        if (kept && kept.tag === receiptTag(token, kept.receipt)) {
          return {session: key.slice(RECEIPT_KEY.length), receipt: kept.receipt, title: kept.title};
        }
      }
    } catch (e) { /* nothing stored */ }
    return null;
  }

  // --- steps and the browser's Back and Forward ------------------------------------------------

  function step(name, replace) {
    // Record a step in the history so that Back and Forward move between steps on this page.
    var entry = {votingapp: name};
    if (replace || (history.state && history.state.votingapp === name)) history.replaceState(entry, "");
    else history.pushState(entry, "");
  }

  function onHistory(event) {
    var wanted = event.state && event.state.votingapp;
    if (BUSY[state.step]) { step(state.step); return; }  // sealing, or a ballot on its way: stay
    if (state.receipt) { showReceipt(state.receipt); step("receipt"); return; }  // sent: no way back
    if (wanted === "code" && state.sealed) { showCode(); return; }
    state.sealed = null;  // left undecided: that ballot is dropped, never sent
    if (wanted === "confirm" && state.session && !missingSubjects().length) { fillSummary(); show("confirm"); }
    else if ((wanted === "ballot" || wanted === "confirm") && state.session) show("ballot");
    else if (wanted === "enter") show("enter");  // the ballot stays behind it, for Forward
    else showEnter();
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
    $("error-retry").hidden = !retry || key === "token_used" || key === "token_void" || key === "unknown_token" ||
      key === "session_ended";
    $("error-retry").onclick = retry || null;
    $("error-enter").hidden = !(key === "unknown_token" || key === "wrong_session" || key === "token_void" || key === "token_used");
    document.querySelector('[data-screen="error"]').dataset.code = key;
    show("error");
  }

  function lookUp(token, restore) {
    state.token = token;
    show("loading");
    postJson(T.lookup_url, {token: token}).then(function (session) {
      // Only a sealed-v1/v2 session needs the other bundle; fetch it before showing the ballot.
      return (isVerifiable(session) ? Promise.resolve() : loadSealed()).then(function () { return session; });
    }).then(function (session) {
      state.session = session;
      state.sealed = null;
      state.noMoreChecks = false;
      state.choices = {};
      renderBallot(session);
      warmUp(session);
      if (restore && restore.choices) restoreChoices(restore.choices);
      if (restore && restore.step === "confirm" && !missingSubjects().length) {
        step("ballot", true); fillSummary(); show("confirm"); step("confirm");
        return;
      }
      show("ballot");
      step("ballot", !history.state || history.state.votingapp !== "enter");
    }, function (error) {
      var mine = error instanceof ApiError && error.code === "token_used" ? receiptOfToken(token) : null;
      if (mine) {  // this phone cast it: not an alarm, the receipt
        state.session = {id: mine.session, title: mine.title};
        state.token = null;
        showReceipt(mine.receipt, true);
        return;
      }
      showError(error, function () { lookUp(token, restore); });
    });
  }

  function isVerifiable(session) {
    return !!session && session.scheme === VERIFIABLE;
  }

  var sealedScript = null;
  function loadSealed() {
    // sealed.bundle.js, same origin (CSP script-src 'self'), once; its URL carries its hash.
    if (window.VotingSealed) return Promise.resolve();
    if (!sealedScript) {
      sealedScript = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = T.sealed_url;
        script.onload = function () { if (window.VotingSealed) resolve(); else reject(new Error("no VotingSealed")); };
        script.onerror = function () { sealedScript = null; script.remove(); reject(new NetworkError()); };
        document.body.appendChild(script);
      });
    }
    return sealedScript;
  }

  function restoreChoices(choices) {
    state.session.subjects.forEach(function (subject, index) {
      var chosen = choices[subject.id];
      var input = chosen && document.querySelector('input[name="subject-' + index + '"][value="' + CSS.escape(chosen) + '"]');
      if (input) { input.checked = true; state.choices[subject.id] = chosen; }
    });
    updateProgress();
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
    fillSummary();
    show("confirm");
    step("confirm");
  }

  function fillSummary() {
    listChoices($("summary"));
    $("confirm-send").textContent = isVerifiable(state.session) ? T.seal_label : T.send_label;
  }

  function listChoices(list) {
    list.textContent = "";
    state.session.subjects.forEach(function (subject) {
      var option = subject.options.filter(function (o) { return o.id === state.choices[subject.id]; })[0];
      var item = el("li");
      item.appendChild(el("span", "name", subject.name));
      item.appendChild(el("strong", "summary-choice", option ? optionLabel(option) : "?"));
      list.appendChild(item);
    });
  }

  // The first seal costs many times what later ones do (noble's tables, code compiled on first
  // run): pay it while the voter reads, when the page is idle, not at the tap on Confirm. A
  // failure here only leaves that cost to the seal itself, which reports any real problem.
  // For verifiable-v1 that is two idle slices: the session (sctx, H's table, kept by the bundle
  // for the real seal), then a throwaway blank ballot of one subject under another id, which
  // runs every step of a seal once. It is never sent.
  function whenIdle(run) {
    var guarded = function () { try { run(); } catch (e) { /* the seal will say */ } };
    if (window.requestIdleCallback) window.requestIdleCallback(guarded, {timeout: 1000});
    else window.setTimeout(guarded, 50);
  }

  function warmUp(session) {
    if (isVerifiable(session)) {
      var V = window.VotingVerifiable, json = session.verifiable;
      whenIdle(function () {
        V.sessionContext(json);
        whenIdle(function () {
          var small = {};
          for (var key in json) small[key] = json[key];
          small.id = json.id + "/warm-up";
          small.subjects = json.subjects.slice(0, 1);
          V.sealBallot(small, null);
        });
      });
      return;
    }
    whenIdle(function () {
      window.VotingSealed.warmUp({sessionId: session.id, publicKey: session.public_key,
                                  scheme: session.scheme, plaintextSize: session.plaintext_size});
    });
  }

  function sealAndSend() {
    if (isVerifiable(state.session)) { seal(); return; }
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

  // --- verifiable-v1: seal, show the code, then cast or check (Benaloh) -----------------------

  function afterPaint(run) {
    // Let the spinner appear before the seal holds the main thread (it keeps turning meanwhile:
    // a CSS transform animation runs off the main thread).
    window.requestAnimationFrame(function () { window.setTimeout(run, 0); });
  }

  function seal() {
    var fromConfirm = state.step === "confirm";  // only then a new history entry: Back = confirm
    state.sealed = null;
    show("sealing");
    step("sealing", !fromConfirm);
    afterPaint(function () {
      try {
        var V = window.VotingVerifiable, json = state.session.verifiable;
        state.sealed = V.sealBallot(json, V.choiceIndices(json, state.choices));
      } catch (e) {
        showError(e, null);
        return;
      }
      showCode();
    });
  }

  function showCode() {
    // The code is on screen before the voter says Cast or Check: the phone is committed to it.
    $("code-short").textContent = state.sealed.receipt.slice(0, 8);
    $("code-check").hidden = state.noMoreChecks;
    $("code-no-more-checks").hidden = !state.noMoreChecks;
    show("code");
    step("code", true);
  }

  function castSealed() {
    if (!state.sealed) return;  // a second tap
    state.wire = state.sealed.wire;
    state.sealed = null;  // the reveal is dropped: nothing on this phone can open the ballot now
    state.choices = {};
    send();
  }

  function checkSealed() {
    var sealed = state.sealed;
    if (!sealed) return;
    state.sealed = null;  // its randomness is about to be sent: this ballot must never be cast
    show("checking");
    step("checking", true);
    postJson(T.spoil_url, {token: state.token, session: state.session.id, ballot: sealed.wire,
                           reveal: sealed.reveal})
      .then(function (answer) {
        showChecked(sealed.receipt, answer);
      }, function (error) {
        if (error instanceof ApiError && error.code === "too_many_checks") {
          state.noMoreChecks = true;  // a new ballot to cast: the server has seen this one's reveal
          seal();
          return;
        }
        if (error instanceof ApiError && error.code === "session_not_open") error.code = "session_ended";
        showError(error, seal);  // "Try again" seals a new ballot
      });
  }

  function showChecked(receipt, answer) {
    var code = receipt.slice(0, 8);
    $("checked-code").textContent = code;
    listChoices($("checked-choices"));  // from this phone's memory, not from the answer
    $("checked-warning").hidden =
      window.VotingVerifiable.sameChoices(state.session.verifiable, receipt, state.choices, answer);
    $("checked-command").textContent = "votingapp verify --spoiled " + code;
    $("checked-board").href = T.board_url.replace("SESSION", encodeURIComponent(state.session.id));
    show("checked");
    step("code", true);
  }

  // Every retry sends exactly the same ciphertext: the server then answers 200 with the same
  // receipt if the first attempt got through and only its answer was lost.
  function send() {
    show("sending");
    postJson(T.cast_url, {token: state.token, session: state.session.id, ballot: state.wire})
      .then(function (answer) {
        storeReceipt(state.token, state.session.id, state.session.title, answer.receipt);
        state.token = null;  // spent: nothing on this page needs it any more
        showReceipt(answer.receipt);
        step("receipt", true);
      }, function (error) {
        if (error instanceof NetworkError) { show("retry"); return; }
        // The lookup found voting open, so "not open" now means the chair closed it meanwhile.
        if (error instanceof ApiError && error.code === "session_not_open") error.code = "session_ended";
        // 503 storage_unavailable: nothing was stored; the same ciphertext may be sent again
        showError(error, error instanceof ApiError && error.code === "storage_unavailable" ? send : null);
      });
  }

  function showReceipt(receipt, before) {
    state.receipt = receipt;
    state.wire = null;
    state.choices = {};
    $("receipt-title").hidden = !!before;
    $("receipt-title-before").hidden = !before;
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
    state.session = null;
    state.receipt = null;
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
    if (stash.receipt_session) { resumeReceipt(stash.receipt_session); return; }
    state.token = stash.token;
    if (stash.wire && stash.session) {  // the language changed while a ballot was unanswered
      state.wire = stash.wire;
      state.session = {id: stash.session};
      send();
      return;
    }
    if (stash.token && TOKEN_ALPHABET.test(stash.token)) lookUp(stash.token, stash);
    else start(stash.token);
  }

  function resumeReceipt(sessionId) {
    // A reload or a language switch after voting: the receipt again, from the store.
    var kept = sessionId && storedReceipt(sessionId);
    if (!kept) { showEnter(); step("enter", true); return; }
    state.session = {id: sessionId, title: kept.title};
    showReceipt(kept.receipt);
    step("receipt", true);
  }

  function lastReceiptSession() {
    try { return sessionStorage.getItem(LAST_RECEIPT_KEY); } catch (e) { return null; }
  }

  // --- wiring -------------------------------------------------------------------------------

  $("code-form").addEventListener("submit", enterCode);
  $("ballot-form").addEventListener("submit", reviewBallot);
  $("confirm-send").addEventListener("click", sealAndSend);
  $("confirm-back").addEventListener("click", function () {
    if (history.state && history.state.votingapp === "confirm") history.back();  // as the browser's Back
    else { show("ballot"); step("ballot", true); }
  });
  $("code-cast").addEventListener("click", castSealed);
  $("code-check").addEventListener("click", checkSealed);
  $("checked-again").addEventListener("click", seal);
  $("checked-change").addEventListener("click", function () { show("ballot"); step("ballot"); });
  $("receipt-new").addEventListener("click", function () {
    try { sessionStorage.removeItem(LAST_RECEIPT_KEY); } catch (e) { /* nothing kept */ }
    showEnter();
    step("enter");
  });
  window.addEventListener("popstate", onHistory);
  $("retry-send").addEventListener("click", send);
  $("error-enter").addEventListener("click", function () { showEnter(); step("enter"); });
  var languageLinks = document.querySelectorAll(".lang a");
  for (var i = 0; i < languageLinks.length; i++) languageLinks[i].addEventListener("click", stashForLanguageSwitch);
  window.addEventListener("hashchange", function () {
    var token = tokenFromFragment();
    if (token) start(token);
  });

  if (!window.VotingVerifiable || !window.crypto || !window.crypto.getRandomValues) {
    showError(new Error("no crypto"), null);
    return;
  }
  var fromFragment = tokenFromFragment();
  var stash = takeStash();
  var afterVote = lastReceiptSession();
  if (fromFragment) start(fromFragment);
  else if (stash && (stash.token || stash.receipt_session)) resume(stash);
  else if (afterVote) resumeReceipt(afterVote);
  else { showEnter(); step("enter", true); }
})();
