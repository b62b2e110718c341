// Runs the committed phone bundle (static/js/verifiable-seal.bundle.js, the voter page's part of
// verifiable-v1) under node, for tests/unit/test_js_verifiable_seal.py. One JSON request on stdin:
//   {"op": "vectors", "cases": [...]}                       sctx and every ballot from its seed
//   {"op": "seal", "items": [{session, choices}]}           seal fresh (wire, receipt, reveal)
//   {"op": "indices", "items": [{session, choices}]}        choiceIndices, or the error
//   {"op": "same", "items": [{session, receipt, choices, answer}]}   sameChoices
//   {"op": "exports"}                                       the names the bundle exports
// and writes the results as JSON on stdout.
"use strict";

const { attempt, hex, loadBundle, serve } = require("./harness.cjs");

const V = loadBundle("verifiable-seal.bundle.js", "VotingVerifiable");

const OPS = {
  vectors: (request) => request.cases.map((c) => ({
    sctx: hex(V.sessionContext(c.session)),
    ballots: c.ballots.map((b) => V.sealBallot(c.session, b.choices, V.testRandom(b.seed))),
  })),
  seal: (request) => request.items.map((item) => V.sealBallot(item.session, item.choices)),
  indices: (request) => request.items.map((item) => attempt(() => V.choiceIndices(item.session, item.choices))),
  same: (request) => request.items.map((item) => V.sameChoices(item.session, item.receipt, item.choices, item.answer)),
  exports: () => Object.keys(V).sort(),
};

serve(OPS);
