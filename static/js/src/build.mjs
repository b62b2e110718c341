// `npm run build`: bundles sealed.mjs and the exact noble versions installed by `npm ci`
// into static/js/sealed.bundle.js, an IIFE exposing globalThis.VotingSealed, and minifies the
// page script src/voter.js into static/js/voter.js (a phone downloads 2 KB less, gzipped).
// Each banner names the versions and its source's hash, so tests can tell a stale output.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const installed = (name) =>
  JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")).version;

const parts = ["@noble/curves", "@noble/hashes", "@noble/ciphers", "esbuild"]
  .map((name) => `${name}@${installed(name)}`);

// The source's hash in the banner lets a test notice an edit that was never rebuilt.
const entry = join(root, "static/js/src/sealed.mjs");
const hashOf = (file) => createHash("sha256").update(readFileSync(file)).digest("hex").slice(0, 16);
const sourceHash = hashOf(entry);

// sealed.mjs builds P-256 from its own copy of the curve's numbers (to leave ECDSA out): they
// must be exactly those of the pinned @noble/curves, or there is no bundle.
const { P256_CURVE } = await import(entry);
const { p256 } = await import("@noble/curves/nist.js");
const library = p256.Point.CURVE();
for (const name of ["p", "n", "h", "a", "b", "Gx", "Gy"]) {
  if (P256_CURVE[name] !== library[name]) throw new Error(`sealed.mjs P256_CURVE.${name} differs from @noble/curves`);
}

await esbuild.build({
  entryPoints: [entry],
  outfile: join(root, "static/js/sealed.bundle.js"),
  bundle: true,
  format: "iife",
  globalName: "VotingSealed",
  minify: true,
  target: ["es2020"],
  charset: "utf8",
  legalComments: "none",
  banner: {
    js: `/*! votingapp sealed-v1 sealed-v2 | ${parts.join(" ")} | src sha256:${sourceHash} | noble: MIT (c) Paul Miller, static/vendor/noble/ | rebuild: npm ci && npm run build */`,
  },
  // A classic script's top-level var is already global; say it outright for any loader.
  footer: { js: "globalThis.VotingSealed=VotingSealed;" },
});

// The voter page's own script: readable in src/, minified where phones download it.
const pageEntry = join(root, "static/js/src/voter.js");
await esbuild.build({
  entryPoints: [pageEntry],
  outfile: join(root, "static/js/voter.js"),
  minify: true,
  target: ["es2020"],
  charset: "utf8",
  legalComments: "none",
  banner: {
    js: `/*! votingapp voter page | esbuild@${installed("esbuild")} | src sha256:${hashOf(pageEntry)} static/js/src/voter.js | rebuild: npm ci && npm run build */`,
  },
});
console.log("built static/js/sealed.bundle.js and static/js/voter.js with", parts.join(", "));
