// What every *_cli.cjs here shares: run a committed browser bundle under node, as a phone would,
// answer one JSON request read from stdin with the operation it names, and write the answer as
// JSON on stdout. Python compares; these scripts judge nothing.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");

// static/js/<file>, run as a classic script; what it exports is globalThis[globalName].
function loadBundle(file, globalName) {
  const bundle = path.join(__dirname, "..", "..", "static", "js", file);
  vm.runInThisContext(fs.readFileSync(bundle, "utf8"), { filename: bundle });
  return globalThis[globalName];
}

// A refusal is a result here: its code, or the message of an unexpected error.
function attempt(run) {
  try {
    return { ok: run() };
  } catch (error) {
    return { code: error.code || null, error: String(error && error.message) };
  }
}

const hex = (bytes) => Buffer.from(bytes).toString("hex");

// Reads {"op": name, ...} from stdin and writes ops[name](request).
function serve(ops) {
  const request = JSON.parse(fs.readFileSync(0, "utf8"));
  process.stdout.write(JSON.stringify(ops[request.op](request)));
}

module.exports = { attempt, hex, loadBundle, serve };
