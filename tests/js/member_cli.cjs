// Runs the committed member-page bundle (static/js/member.bundle.js) under node, as a member's
// phone would, for tests/unit/test_js_member.py. Reads one JSON request on stdin:
//   {"op": "words", "items": [text]}                 B64 of the 32 bytes the words carry, or the refusal code
//   {"op": "wordlist"}                               the bundled SLIP-39 wordlist
//   {"op": "partial", "items": [{status, secret}]}   {member, partial} as the page sends them
//   {"op": "address", "items": [hash]}               the share read from a fragment, and what the address bar keeps
// and writes the results as JSON on stdout.
"use strict";

const { attempt, loadBundle, serve } = require("./harness.cjs");

const M = loadBundle("member.bundle.js", "VotingMember");

const OPS = {
  words: (request) => request.items.map((text) => attempt(() => M.secretFromWords(text))),
  wordlist: () => M.WORDS,
  partial: (request) => request.items.map((item) => attempt(() => M.memberPartial(item.status, item.secret))),
  address: (request) => request.items.map((hash) => {
    const kept = [];
    const win = {
      location: { hash, pathname: "/member/s1", search: "?lang=en" },
      history: { replaceState: (state, title, url) => kept.push(url) },
    };
    return { share: M.takeShareFromAddress(win), kept };
  }),
};

serve(OPS);
