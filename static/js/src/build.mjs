// `npm run build`: bundles each browser module with the exact noble versions installed by
// `npm ci` into an IIFE under static/js, and minifies the voter page's own script:
//   sealed.mjs     → sealed.bundle.js      globalThis.VotingSealed      (sealed-v1, sealed-v2)
//   verifiable.mjs → verifiable.bundle.js  globalThis.VotingVerifiable  (verifiable-v1)
//   member.mjs     → member.bundle.js      globalThis.VotingMember      (a counting-committee
//                    member's page: the 33 words, the partial decryption; verifiable.mjs inside)
//   verifiable-seal.mjs → verifiable-seal.bundle.js  globalThis.VotingVerifiable  (the voter
//                    page's part of it: sealing only, so the page stays within 30 KB)
//   voter.js       → static/js/voter.js    (the voter page; a phone downloads 2 KB less)
// Each banner names every version and the hash of its sources, so tests can tell when a
// committed output is stale.

import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const installed = (name) =>
  JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")).version;

const BUNDLES = [
  { entry: "sealed.mjs", outfile: "sealed.bundle.js", globalName: "VotingSealed",
    schemes: "sealed-v1 sealed-v2", libraries: ["@noble/curves", "@noble/hashes", "@noble/ciphers"] },
  { entry: "verifiable.mjs", outfile: "verifiable.bundle.js", globalName: "VotingVerifiable",
    schemes: "verifiable-v1", libraries: ["@noble/curves", "@noble/hashes"] },
  { entry: "member.mjs", outfile: "member.bundle.js", globalName: "VotingMember",
    schemes: "verifiable-v1 member page", libraries: ["@noble/curves", "@noble/hashes"] },
  { entry: "verifiable-seal.mjs", outfile: "verifiable-seal.bundle.js", globalName: "VotingVerifiable",
    schemes: "verifiable-v1 (sealing)", libraries: ["@noble/curves", "@noble/hashes"] },
];

// sealed.mjs builds P-256 from its own copy of the curve's numbers (to leave ECDSA out): they
// must be exactly those of the pinned @noble/curves, or there is no bundle.
const { P256_CURVE } = await import(join(root, "static/js/src/sealed.mjs"));
const { p256 } = await import("@noble/curves/nist.js");
const library = p256.Point.CURVE();
for (const name of ["p", "n", "h", "a", "b", "Gx", "Gy"]) {
  if (P256_CURVE[name] !== library[name]) throw new Error(`sealed.mjs P256_CURVE.${name} differs from @noble/curves`);
}

// One hash over every source module (they import each other), in name order; the tests
// compute the same, so an edit that was never rebuilt is noticed.
const sourceDir = join(root, "static/js/src");
const sourceHash = createHash("sha256");
for (const name of readdirSync(sourceDir).filter((n) => n.endsWith(".mjs") && n !== "build.mjs").sort()) {
  sourceHash.update(name + "\n").update(readFileSync(join(sourceDir, name)));
}
const sources = sourceHash.digest("hex").slice(0, 16);

for (const bundle of BUNDLES) {
  const parts = [...bundle.libraries, "esbuild"].map((name) => `${name}@${installed(name)}`);
  await esbuild.build({
    entryPoints: [join(sourceDir, bundle.entry)],
    outfile: join(root, "static/js", bundle.outfile),
    bundle: true,
    format: "iife",
    globalName: bundle.globalName,
    minify: true,
    target: ["es2020"],
    charset: "utf8",
    legalComments: "none",
    banner: {
      js: `/*! votingapp ${bundle.schemes} | ${parts.join(" ")} | src sha256:${sources} | noble: MIT (c) Paul Miller, static/vendor/noble/ | rebuild: npm ci && npm run build */`,
    },
    // A classic script's top-level var is already global; say it outright for any loader.
    footer: { js: `globalThis.${bundle.globalName}=${bundle.globalName};` },
  });
  console.log(`built static/js/${bundle.outfile} with`, parts.join(", "));
}

const hashOf = (file) => createHash("sha256").update(readFileSync(file)).digest("hex").slice(0, 16);

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
console.log("built static/js/voter.js");
