// Times static/js/verifiable.bundle.js under node for bench/verifiable.py: the first seal of a
// session (H's table built inside it, as on a phone) and later seals, plus one member's partial
// decryption. Reads {"session", "choices", "rounds", "secret"?, "sums"?} on stdin, prints ms,
// and the CPU ms of the later seals (the machine is shared, so wall time overstates).
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");

const BUNDLE = path.join(__dirname, "..", "static", "js", "verifiable.bundle.js");
vm.runInThisContext(fs.readFileSync(BUNDLE, "utf8"), { filename: BUNDLE });
const V = globalThis.VotingVerifiable;

const request = JSON.parse(fs.readFileSync(0, "utf8"));
let started = performance.now();
V.sealBallot(request.session, request.choices);
const first = performance.now() - started;
const later = [];
const cpu = process.cpuUsage();
for (let i = 0; i < request.rounds; i++) {
  started = performance.now();
  V.sealBallot(request.session, request.choices);
  later.push(performance.now() - started);
}
const used = process.cpuUsage(cpu);
const laterCpu = (used.user + used.system) / 1000 / request.rounds;
let partial = null;
if (request.secret) {
  const share = V.shareFromSecret(request.session, request.secret);
  started = performance.now();
  V.partialDecrypt(request.session, share, request.sums);
  partial = performance.now() - started;
}
process.stdout.write(JSON.stringify({ first_ms: first, later_ms: later, later_cpu_ms: laterCpu, partial_ms: partial }));
