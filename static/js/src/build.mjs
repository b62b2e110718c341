// `npm run build`: bundles each browser module with the exact noble versions installed by
// `npm ci` into an IIFE under static/js:
//   sealed.mjs     → sealed.bundle.js      globalThis.VotingSealed      (sealed-v1, sealed-v2)
//   verifiable.mjs → verifiable.bundle.js  globalThis.VotingVerifiable  (verifiable-v1)
// The banner names every version and the hash of the sources, so tests can tell when a
// committed bundle is stale.

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
];

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
