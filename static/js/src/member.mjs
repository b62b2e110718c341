// A counting-committee member's phone (verifiable-v1, committee custody; templates/voter/member.html).
// The share arrives in the URL fragment (#share=<B64 of s_i>, from the card's QR code), which
// browsers never send, and is wiped from the address bar at once; or the member types the
// card's 33 words, decoded here (SLIP-39 1-of-1: wordlist, RS1024 checksum, the PBKDF2 Feistel
// decryption with an empty passphrase). The phone matches s_i·G to the session's keys, fetches
// the sums, computes its partial decryption with proofs and sends ONLY {member, partial}:
// the share never leaves the phone.

import { pbkdf2 } from "@noble/hashes/pbkdf2.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { b64decode, b64encode } from "./base64url.mjs";
import { WORDS } from "./slip39-words.mjs";

export { WORDS };
import { partialDecrypt, shareFromSecret } from "./verifiable.mjs";

// --- SLIP-39 (github.com/satoshilabs/slips/blob/master/slip-0039.md) -----------------------------

const RADIX_BITS = 10;
const ID_EXP_WORDS = 2;
const CHECKSUM_WORDS = 3;
const METADATA_WORDS = ID_EXP_WORDS + 2 + CHECKSUM_WORDS;
const BASE_ITERATIONS = 10000;
const ROUNDS = 4;
const ascii = (text) => Uint8Array.from(text, (ch) => ch.charCodeAt(0));

export class ShareWordsError extends Error {
  constructor(code, message, detail = {}) {
    super(message);
    this.code = code;
    Object.assign(this, detail);
  }
}

const INDEX = new Map(WORDS.map((word, i) => [word, i]));
// Every SLIP-39 word is fixed by its first four letters: a card's words may be typed that short.
const PREFIXES = new Map(WORDS.map((word, i) => [word.slice(0, 4), i]));

/** The words of what was typed or pasted, lowercase, diacritics and đ folded, as word indices. */
export function wordIndices(text) {
  const folded = String(text).replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "").toLowerCase();
  const tokens = folded.match(/[a-z]+/g) || [];
  return tokens.map((token, position) => {
    const index = INDEX.has(token) ? INDEX.get(token)
      : (token.length >= 4 && PREFIXES.has(token.slice(0, 4)) && WORDS[PREFIXES.get(token.slice(0, 4))].startsWith(token))
        ? PREFIXES.get(token.slice(0, 4)) : undefined;
    if (index === undefined) throw new ShareWordsError("unknown_word", `word ${position + 1} is not on the list`, { position: position + 1, word: token });
    return index;
  });
}

function polymod(values) {
  const GEN = [0xe0e040, 0x1c1c080, 0x3838100, 0x7070200, 0xe0e0009, 0x1c0c2412, 0x38086c24, 0x3090fc48,
    0x21b1f890, 0x3f3f120];
  let chk = 1;
  for (const v of values) {
    const b = chk >>> 20;
    chk = (((chk & 0xfffff) << 10) ^ v) >>> 0;
    for (let i = 0; i < 10; i++) if ((b >>> i) & 1) chk = (chk ^ GEN[i]) >>> 0;
  }
  return chk;
}

const toBigInt = (indices) => indices.reduce((acc, i) => (acc << 10n) | BigInt(i), 0n);

function feistelDecrypt(ems, iterationExponent, identifier, extendable) {
  const half = ems.length / 2;
  let l = ems.slice(0, half);
  let r = ems.slice(half);
  const salt = extendable ? new Uint8Array(0)
    : Uint8Array.from([...ascii("shamir"), identifier >> 8, identifier & 0xff]);
  const iterations = Math.floor((BASE_ITERATIONS << iterationExponent) / ROUNDS);
  for (let i = ROUNDS - 1; i >= 0; i--) {
    const f = pbkdf2(sha256, Uint8Array.of(i), Uint8Array.from([...salt, ...r]), { c: iterations, dkLen: r.length });
    [l, r] = [r, l.map((byte, j) => byte ^ f[j])];
  }
  return Uint8Array.from([...r, ...l]);
}

/** The 32 bytes a card's 33 words carry (a SLIP-39 1-of-1 mnemonic, empty passphrase), as B64. */
export function secretFromWords(text) {
  const data = wordIndices(text);
  if (data.length !== 33) throw new ShareWordsError("word_count", `a card has 33 words, not ${data.length}`, { count: data.length });
  const idExp = (data[0] << 10) | data[1];
  const identifier = idExp >> 5;
  const extendable = (idExp >> 4) & 1;
  const iterationExponent = idExp & 0xf;
  const custom = ascii(extendable ? "shamir_extendable" : "shamir");
  if (polymod([...custom, ...data]) !== 1) throw new ShareWordsError("checksum", "the words' checksum does not match: a word is wrong or out of order");
  const params = toBigInt(data.slice(2, 4));
  const [groupIndex, groupThreshold, groupCount, , memberThreshold] =
    [16n, 12n, 8n, 4n, 0n].map((shift) => Number((params >> shift) & 0xfn));
  if (groupIndex !== 0 || groupThreshold !== 0 || groupCount !== 0 || memberThreshold !== 0) {
    throw new ShareWordsError("not_one_of_one", "these words are one share of a split secret, not a key card");
  }
  const valueWords = data.slice(ID_EXP_WORDS + 2, -CHECKSUM_WORDS);
  const padding = (RADIX_BITS * valueWords.length) % 16;
  const value = toBigInt(valueWords);
  const size = (RADIX_BITS * valueWords.length - padding) / 8;
  if (value >> BigInt(8 * size)) throw new ShareWordsError("padding", "the words' padding is wrong");
  const ems = new Uint8Array(size);
  for (let i = 0; i < size; i++) ems[i] = Number((value >> BigInt(8 * (size - 1 - i))) & 0xffn);
  return b64encode(feistelDecrypt(ems, iterationExponent, identifier, extendable));
}

/** The decryption status's sums (B64 of 64·T bytes) as the [Ā_t, B̄_t] B64 pairs partialDecrypt takes. */
export function sumPairs(sumsB64) {
  const raw = b64decode(sumsB64);
  const pairs = [];
  for (let i = 0; i < raw.length; i += 64) pairs.push([b64encode(raw.subarray(i, i + 32)), b64encode(raw.subarray(i + 32, i + 64))]);
  return pairs;
}

/** The member's answer to send: {member, partial}; nothing else of the share goes out. */
export function memberPartial(status, secretB64) {
  const share = shareFromSecret(status.session, secretB64);
  return { member: share.index, partial: partialDecrypt(status.session, share, sumPairs(status.sums)) };
}

// --- the page ----------------------------------------------------------------------------------

/** The share in the fragment (#share=<B64>), read once; the address bar forgets it at once. */
export function takeShareFromAddress(win) {
  const match = /(?:^#|&)share=([A-Za-z0-9_-]+)/.exec(win.location.hash || "");
  if (win.location.hash) win.history.replaceState(null, "", win.location.pathname + win.location.search);
  return match ? match[1] : null;
}

function page(doc, win) {
  const root = doc.getElementById("member-app");
  if (!root) return;
  const strings = JSON.parse(doc.getElementById("member-strings").textContent);
  const $ = (selector) => root.querySelector(selector);
  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_, name) => String(values[name]));
  let status = null;

  function show(name) {
    for (const screen of root.querySelectorAll("[data-screen]")) screen.hidden = screen.dataset.screen !== name;
  }

  function progress(text) {
    $("#member-progress").textContent = text;
    show("working");
  }

  function fail(title, hint) {
    $("#member-error-title").textContent = title;
    $("#member-error-hint").textContent = hint || "";
    show("error");
  }

  function renderStatus() {
    if (!status) return;
    const done = status.members_done;
    const needed = Math.max(status.threshold - done.length, 0);
    for (const node of root.querySelectorAll(".member-status")) {
      node.textContent = fill(strings.status, { done: done.length, threshold: status.threshold, holders: status.holders })
        + " " + (done.length ? fill(strings.members_in, { members: done.join(", ") }) : "")
        + " " + (needed ? fill(strings.still_needed, { count: needed }) : strings.enough);
    }
  }

  async function fetchStatus() {
    const answer = await fetch(strings.status_url, { headers: { Accept: "application/json" }, cache: "no-store", referrerPolicy: "no-referrer" });
    const body = await answer.json().catch(() => ({}));
    if (!answer.ok) throw Object.assign(new Error("status"), { body });
    status = body;
    renderStatus();
    return body;
  }

  async function decryptAndSend(secretB64) {
    try {
      progress(strings.loading);
      await fetchStatus();
      if (status.state === "tallied") {
        show("tallied");
        return;
      }
      progress(strings.computing);
      await new Promise((resolve) => win.setTimeout(resolve, 30)); // let the progress line paint
      let answer;
      try {
        answer = memberPartial(status, secretB64);
      } catch (error) {
        fail(strings.errors.bad_share.title, strings.errors.bad_share.hint);
        return;
      } finally {
        secretB64 = null; // the share is not kept once its partial exists
      }
      progress(fill(strings.sending, { member: answer.member }));
      const sent = await fetch(strings.partials_url, {
        method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ member: answer.member, partial: answer.partial }), referrerPolicy: "no-referrer",
      });
      const body = await sent.json().catch(() => ({}));
      if (!sent.ok) {
        const code = body.error && body.error.code;
        const known = strings.errors[code] || strings.errors.other;
        fail(known.title, (body.error && (strings.lang === "en" ? body.error.message : body.error.message_vi)) || known.hint);
        return;
      }
      status.members_done = body.members_done;
      $("#member-done-title").textContent = fill(strings.done, { member: answer.member });
      renderStatus();
      show("done");
    } catch (error) {
      fail(strings.errors.network.title, strings.errors.network.hint);
    }
  }

  $("#words-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const field = $("#words-input");
    const message = $("#words-error");
    let secret;
    try {
      secret = secretFromWords(field.value);
    } catch (error) {
      message.textContent = error.code === "unknown_word" ? fill(strings.word_errors.unknown_word, { position: error.position, word: error.word })
        : error.code === "word_count" ? fill(strings.word_errors.word_count, { count: error.count })
          : (strings.word_errors[error.code] || strings.word_errors.other);
      message.hidden = false;
      return;
    }
    field.value = "";
    message.hidden = true;
    decryptAndSend(secret);
  });
  for (const button of root.querySelectorAll("[data-action=refresh]")) {
    button.addEventListener("click", () => fetchStatus().then(() => show(status.state === "tallied" ? "tallied" : "done")).catch(() => {}));
  }
  for (const button of root.querySelectorAll("[data-action=words]")) {
    button.addEventListener("click", () => show("words"));
  }

  const fromAddress = takeShareFromAddress(win);
  if (fromAddress) {
    decryptAndSend(fromAddress);
  } else {
    show("words");
    fetchStatus().then(() => { if (status.state === "tallied") show("tallied"); }).catch((error) => {
      const code = error.body && error.body.error && error.body.error.code;
      if (code) fail((strings.errors[code] || strings.errors.other).title, strings.lang === "en" ? error.body.error.message : error.body.error.message_vi);
    });
  }
}

if (typeof document !== "undefined" && typeof window !== "undefined") {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => page(document, window));
  else page(document, window);
}
