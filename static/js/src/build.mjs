// `npm run build`: bundles sealed.mjs and the exact noble versions installed by `npm ci`
// into static/js/sealed.bundle.js, an IIFE exposing globalThis.VotingSealed. The banner
// names every version and the source hash, so tests can tell when the committed bundle is stale.

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
const sourceHash = createHash("sha256").update(readFileSync(entry)).digest("hex").slice(0, 16);

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
console.log("built static/js/sealed.bundle.js with", parts.join(", "));
