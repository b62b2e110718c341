// Runs the committed browser bundle (static/js/verifiable.bundle.js) under node, as a phone
// would run it, for tests/unit/test_js_verifiable.py. Reads one JSON request on stdin:
//   {"op": "vectors", "cases": [...]}   reproduce each case of tests/vectors/verifiable-v1.json:
//        sctx, every ballot (wire, receipt, reveal) from its seed, the opening of each ballot,
//        the sums and the members' partial decryptions from the decrypt seed
//   {"op": "verify", "items": [{session, wire}]}            receipt, or the refusal code
//   {"op": "open",   "items": [{session, wire, reveal}]}    choices, or the refusal code
//   {"op": "seal",   "items": [{session, choices}]}         seal fresh
//   {"op": "partial", "items": [{session, secret, sums}]}   a member's fresh partial decryption
// and writes the results as JSON on stdout.
"use strict";

const { attempt, hex, loadBundle, serve } = require("./harness.cjs");

const V = loadBundle("verifiable.bundle.js", "VotingVerifiable");

const OPS = {
  vectors: (request) => request.cases.map((c) => {
    const rng = V.testRandom(c.tally.decrypt_seed);
    const sums = V.aggregate(c.session, c.ballots.map((b) => ({ scheme: "verifiable-v1", ballot: b.ballot })));
    return {
      sctx: hex(V.sessionContext(c.session)),
      ballots: c.ballots.map((b) => V.sealBallot(c.session, b.choices, V.testRandom(b.seed))),
      opened: c.ballots.map((b) => V.openSpoiled(c.session, { scheme: "verifiable-v1", ballot: b.ballot }, b.reveal)),
      sums,
      partials: c.tally.decryption.members.map((i) =>
        V.partialDecrypt(c.session, V.shareFromSecret(c.session, c.shares[i - 1].secret), sums, rng)),
      share_indices: c.shares.map((s) => V.shareFromSecret(c.session, s.secret).index),
    };
  }),
  verify: (request) => request.items.map((item) => attempt(() => V.verifyBallot(item.session, item.wire).receipt)),
  open: (request) => request.items.map((item) => attempt(() => V.openSpoiled(item.session, item.wire, item.reveal))),
  seal: (request) => request.items.map((item) => V.sealBallot(item.session, item.choices)),
  partial: (request) => request.items.map((item) =>
    attempt(() => V.partialDecrypt(item.session, V.shareFromSecret(item.session, item.secret), item.sums))),
};

serve(OPS);
