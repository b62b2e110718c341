// Runs the committed browser bundle (static/js/sealed.bundle.js) under node, as a phone
// would run it, for tests/unit/test_js_vectors.py. Reads one JSON request on stdin:
//   {"op": "vectors", "cases": [...]}  seal each case with its fixed key and nonce under its
//        scheme, open it, and try to open its negated_epk_ballot (sealed-v2 cases)
//   {"op": "open",  "items": [{wire, session_id, private_key_hex}]}   decrypt what Python sealed
//   {"op": "seal",  "items": [{session_id, public_key, plaintext_size, choices, scheme}]}   seal fresh
//   {"op": "curve"}   the P-256 numbers the bundle built its curve from, as hex
//   {"op": "warm_up", "session": {sessionId, publicKey, plaintextSize, scheme}}   warm up without,
//        then with, the session; the answer is whether both ran
// and writes the results as JSON on stdout.
"use strict";

const { loadBundle, serve } = require("./harness.cjs");

const S = loadBundle("sealed.bundle.js", "VotingSealed");

// What opening gives: the plaintext, or the error's message (a refusal is a result here).
function tryOpen(wire, sessionId, privateKeyHex) {
  try {
    return { plaintext: S.openBallot(wire, sessionId, privateKeyHex) };
  } catch (error) {
    return { error: String(error && error.message) };
  }
}

const OPS = {
  vectors: (request) => request.cases.map((c) => {
    const ballot = S.sealBallot({
      sessionId: c.session_id,
      publicKey: c.session_public_key,
      plaintextSize: c.plaintext_size,
      choices: JSON.parse(c.plaintext_utf8.trimEnd()).choices,
      scheme: c.ballot.scheme,
      ephemeralPrivateKey: c.ephemeral_private_key_hex,
      nonce: c.nonce,
    });
    return {
      ballot,
      receipt: S.receiptOf(ballot),
      opened_vector: S.openBallot(c.ballot, c.session_id, c.session_private_key_hex),
      opened_negated: c.negated_epk_ballot === undefined ? null
        : tryOpen(c.negated_epk_ballot, c.session_id, c.session_private_key_hex),
    };
  }),
  open: (request) => request.items.map((item) =>
    S.openBallot(item.wire, item.session_id, item.private_key_hex)),
  seal: (request) => request.items.map((item) => {
    const ballot = S.sealBallot({
      sessionId: item.session_id,
      publicKey: item.public_key,
      plaintextSize: item.plaintext_size,
      choices: item.choices,
      scheme: item.scheme,
    });
    return { ballot, receipt: S.receiptOf(ballot) };
  }),
  curve: () => Object.fromEntries(Object.entries(S.P256_CURVE).map(([name, value]) => [name, "0x" + value.toString(16)])),
  warm_up: (request) => {
    S.warmUp(null);
    S.warmUp(request.session);
    return true;
  },
};

serve(OPS);
