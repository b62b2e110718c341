// Runs the committed phone bundle (static/js/verifiable-seal.bundle.js, the voter page's part of
// verifiable-v1) under node, for tests/unit/test_js_verifiable_seal.py. One JSON request on stdin:
//   {"op": "vectors", "cases": [...]}                       sctx and every ballot from its seed
//   {"op": "seal", "items": [{session, choices}]}           seal fresh (wire, receipt, reveal)
//   {"op": "indices", "items": [{session, choices}]}        choiceIndices, or the error
//   {"op": "same", "items": [{session, receipt, choices, answer}]}   sameChoices
//   {"op": "exports"}                                       the names the bundle exports
// and writes the results as JSON on stdout. Python compares; this script judges nothing.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");

const BUNDLE = path.join(__dirname, "..", "..", "static", "js", "verifiable-seal.bundle.js");
vm.runInThisContext(fs.readFileSync(BUNDLE, "utf8"), { filename: BUNDLE });
const V = globalThis.VotingVerifiable;

function attempt(run) {
  try {
    return { ok: run() };
  } catch (error) {
    return { error: String(error && error.message) };
  }
}

const hex = (bytes) => Buffer.from(bytes).toString("hex");

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

const request = JSON.parse(fs.readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(OPS[request.op](request)));
