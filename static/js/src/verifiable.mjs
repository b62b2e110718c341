// The browser side of verifiable-v1 (docs/formats.md): a phone seals a ballot as ristretto255
// exponential ElGamal bits with CDS bit proofs and row proofs under strong Fiat–Shamir, opens a
// spoiled ballot for the Benaloh check, and a committee member's phone computes its partial
// decryption of the sums with its proof. The same module checks ballots (§4.6) for a verifier.
// Pure JavaScript over @noble/curves; tests/vectors/verifiable-v1.json pins it byte for byte to
// votingapp/crypto/verifiable.
//
// Secrets (r, w, e, f, u, a share) only go through noble's constant-time `multiply`; public
// checks use `multiplyUnsafe`. noble's `multiply` refuses 0, which is a legitimate scalar here.

import { ristretto255 } from "@noble/curves/ed25519.js";
import { bytesToNumberLE, numberToBytesLE } from "@noble/curves/utils.js";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { bytesToHex, concatBytes } from "@noble/hashes/utils.js";
import { b64decode, b64encode, randomBytes } from "./base64url.mjs";

export const SCHEME = "verifiable-v1";
const Point = ristretto255.Point;
export const L = Point.Fn.ORDER;
const G = Point.BASE;
const O = Point.ZERO;
const utf8 = new TextEncoder();
const tag = (name) => utf8.encode("votingapp/verifiable-v1/" + name + "|");
const TAGS = { session: tag("session"), ballot: tag("ballot"), bit: tag("bit"), row: tag("row"),
  decrypt: tag("decrypt"), rng: tag("test-rng") };
export const CHECKS = ["wrong_size", "bad_point", "duplicate_ciphertext", "bad_scalar", "bad_bit_proof",
  "bad_row_proof"];

/** A refusal with the code the server would give (CHECKS, malformed_ballot, bad_reveal, …). */
export class VerifiableError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

// --- encodings and scalars ----------------------------------------------------------------------

const mod = (x) => ((x % L) + L) % L;
const scalarBytes = (x) => numberToBytesLE(x, 32);
const u8 = (x) => Uint8Array.of(x);
const u16 = (x) => Uint8Array.of(x >> 8, x & 255);
const u32 = (x) => Uint8Array.of(x >>> 24, (x >> 16) & 255, (x >> 8) & 255, x & 255);
function lp(text) {
  const raw = utf8.encode(text);
  if (raw.length >= 65536) throw new Error("an id is at most 65,535 UTF-8 bytes");
  return concatBytes(u16(raw.length), raw);
}
/** Hs: SHA-512 read little-endian, reduced mod l. */
const hashToScalar = (...parts) => mod(bytesToNumberLE(sha512(concatBytes(...parts))));
/** Secret-safe k·P, with 0·P = O (noble's constant-time multiply refuses 0). */
const mul = (point, k) => (k === 0n ? O : point.multiply(k));
const mulPublic = (point, k) => point.multiplyUnsafe(k);
const enc = (point) => point.toBytes();

function decodePoint(bytes, code = "bad_point") {
  try {
    return Point.fromBytes(bytes);
  } catch {
    throw new VerifiableError(code, "not a canonical ristretto255 point");
  }
}

/** Fresh scalars: 64 CSPRNG bytes reduced mod l, drawn again on 0. */
export const systemRandom = {
  scalar() {
    for (;;) {
      const value = mod(bytesToNumberLE(randomBytes(64)));
      if (value !== 0n) return value;
    }
  },
};

/** The vectors' deterministic stream: k-th scalar = Hs(tag ‖ seed ‖ u32(k)), skipping 0. Tests only. */
export function testRandom(seed) {
  const seedBytes = utf8.encode(seed);
  let counter = 0;
  return {
    scalar() {
      for (;;) {
        counter += 1;
        const value = hashToScalar(TAGS.rng, seedBytes, u32(counter));
        if (value !== 0n) return value;
      }
    },
  };
}

// --- the session ----------------------------------------------------------------------------------

const tables = new Map(); // public key → H with a precomputed table (about 6× faster ·H)

/** Parse the board's session JSON once: H (not O), the keys, T, and sctx (§3.4). */
export function prepareSession(json) {
  if (json && json.prepared) return json;
  const { id, subjects, options, threshold } = json;
  const keys = json.verification_keys.map((key) => b64decode(key));
  const publicKey = b64decode(json.public_key);
  if (!subjects.length || !options.length || !(threshold >= 1 && threshold <= keys.length && keys.length <= 255)) {
    throw new Error("not a verifiable-v1 session");
  }
  for (const key of [publicKey, ...keys]) {
    if (key.length !== 32 || decodePoint(key, "bad_session").is0()) throw new Error("a session key is invalid");
  }
  let H = tables.get(json.public_key);
  if (!H) {
    H = decodePoint(publicKey).precompute(8, false);
    if (tables.size > 8) tables.clear();
    tables.set(json.public_key, H);
  }
  const sctx = sha512(concatBytes(TAGS.session, lp(id), publicKey, u8(threshold), u8(keys.length), ...keys,
    u16(subjects.length), ...subjects.map(lp), u16(options.length), ...options.map(lp)));
  const T = subjects.length * options.length + 1;
  return { prepared: true, json, H, keys, sctx, S: subjects.length, m: options.length, T,
    size: 192 * T + 64 * subjects.length };
}

export const sessionContext = (json) => prepareSession(json).sctx;

function plaintextBits(session, choices) {
  const bits = new Array(session.T).fill(0);
  if (choices === null) {
    bits[0] = 1;
    return bits;
  }
  if (!Array.isArray(choices) || choices.length !== session.S
      || !choices.every((c) => Number.isInteger(c) && c >= 0 && c < session.m)) {
    throw new Error("choose one option index for every subject, or seal a blank ballot (null)");
  }
  choices.forEach((option, subject) => { bits[1 + subject * session.m + option] = 1; });
  return bits;
}

const rowIndices = (session, s) => [0, ...Array.from({ length: session.m }, (_, j) => 1 + s * session.m + j)];
const bitChallenge = (bctx, t, a, b, commitments) => hashToScalar(TAGS.bit, bctx, u16(t), a, b, ...commitments);
const rowChallenge = (bctx, s, aHat, bHat, a, b) => hashToScalar(TAGS.row, bctx, u16(s), aHat, bHat, a, b);

// --- sealing -----------------------------------------------------------------------------------

/** Seal `choices` (one option index per subject, board order; null = blank) for the board's
 * session. Returns the wire form, the receipt and the reveal (B64 of r_0 ‖ … ‖ r_{T−1}, for
 * "Check this ballot"; forget it once cast). `rng` is for test vectors only. */
export function sealBallot(sessionJson, choices, rng = systemRandom) {
  const session = prepareSession(sessionJson);
  const { H, T } = session;
  const bits = plaintextBits(session, choices);
  const draws = bits.map(() => [rng.scalar(), rng.scalar(), rng.scalar(), rng.scalar()]); // r, w, e, f
  const rowNonces = Array.from({ length: session.S }, () => rng.scalar());

  const points = bits.map((v, t) => {
    const r = draws[t][0];
    const rH = mul(H, r);
    return [mul(G, r), v ? rH.add(G) : rH];
  });
  const encoded = points.map(([a, b]) => [enc(a), enc(b)]);
  const ct = concatBytes(...encoded.flat());
  const bctx = sha512(concatBytes(TAGS.ballot, session.sctx, ct));

  const bitProofs = bits.map((v, t) => {
    const [r, w, e, f] = draws[t];
    const fake = mod(f - e * r); // the simulated branch from fixed-base products only
    const commitments = [];
    commitments[v] = [mul(G, w), mul(H, w)];
    commitments[1 - v] = [mul(G, fake), mul(H, fake).subtract(mul(G, v ? e : L - e))];
    const c = bitChallenge(bctx, t, ...encoded[t], commitments.flat().map(enc));
    const cs = [], zs = [];
    cs[v] = mod(c - e);
    zs[v] = mod(w + cs[v] * r);
    cs[1 - v] = e;
    zs[1 - v] = f;
    return concatBytes(...[...cs, ...zs].map(scalarBytes));
  });

  const rowProofs = rowNonces.map((u, s) => {
    const indices = rowIndices(session, s);
    const rHat = mod(indices.reduce((sum, t) => sum + draws[t][0], 0n));
    const aHat = indices.reduce((sum, t) => sum.add(points[t][0]), O);
    const bHat = indices.reduce((sum, t) => sum.add(points[t][1]), O);
    const c = rowChallenge(bctx, s, enc(aHat), enc(bHat), enc(mul(G, u)), enc(mul(H, u)));
    return concatBytes(scalarBytes(c), scalarBytes(mod(u + c * rHat)));
  });

  const ballot = concatBytes(ct, ...bitProofs, ...rowProofs);
  return {
    wire: toWire(ballot),
    receipt: bytesToHex(sha256(ballot)),
    reveal: b64encode(concatBytes(...draws.map(([r]) => scalarBytes(r)))),
  };
}

export const toWire = (ballot) => ({ scheme: SCHEME, ballot: b64encode(ballot) });

/** The ballot bytes of a wire form: exactly {scheme: "verifiable-v1", ballot: B64}. */
export function fromWire(wire) {
  if (!wire || typeof wire !== "object" || Array.isArray(wire)) {
    throw new VerifiableError("malformed_ballot", "ballot must be a JSON object");
  }
  if (wire.scheme !== SCHEME) throw new VerifiableError("wrong_scheme", "scheme must be " + SCHEME);
  if (Object.keys(wire).sort().join() !== "ballot,scheme") {
    throw new VerifiableError("malformed_ballot", "ballot must have exactly scheme and ballot");
  }
  try {
    return b64decode(wire.ballot);
  } catch {
    throw new VerifiableError("malformed_ballot", "ballot must be base64url without padding");
  }
}

/** Lowercase hex SHA-256 of the ballot bytes: the receipt (its first 8: the short code). */
export const receiptOf = (wire) => bytesToHex(sha256(fromWire(wire)));

// --- checking and opening ------------------------------------------------------------------------

/** §4.6 in order; throws VerifiableError(code) at the first failure, else returns the points.
 * `usedA` (a Set of hex A_t) holds the session's cast and spoiled ciphertexts, if known. */
export function verifyBallot(sessionJson, wire, usedA = new Set()) {
  const session = prepareSession(sessionJson);
  const { H, T, S } = session;
  const ballot = fromWire(wire);
  if (ballot.length !== session.size) throw new VerifiableError("wrong_size", "wrong ballot size");
  const encoded = Array.from({ length: T }, (_, t) => [ballot.subarray(64 * t, 64 * t + 32),
    ballot.subarray(64 * t + 32, 64 * t + 64)]);
  const points = encoded.map(([a, b]) => [decodePoint(a), decodePoint(b)]);
  if (points.some(([a]) => a.is0())) throw new VerifiableError("bad_point", "A_t is the identity");
  const hexA = encoded.map(([a]) => bytesToHex(a));
  if (new Set(hexA).size !== T || hexA.some((a) => usedA.has(a))) {
    throw new VerifiableError("duplicate_ciphertext", "a ciphertext repeats");
  }
  const scalars = [];
  for (let i = 64 * T; i < ballot.length; i += 32) scalars.push(bytesToNumberLE(ballot.subarray(i, i + 32)));
  if (scalars.some((x) => x >= L)) throw new VerifiableError("bad_scalar", "a scalar is not below l");
  const bctx = sha512(concatBytes(TAGS.ballot, session.sctx, ballot.subarray(0, 64 * T)));
  // A Σ-protocol's commitment recomputed from its response: z·base − c·statement.
  const commitment = (z, c, base, statement) => mulPublic(base, z).subtract(mulPublic(statement, c));
  points.forEach(([a, b], t) => {
    const [c0, c1, z0, z1] = scalars.slice(4 * t, 4 * t + 4);
    const bMinusG = b.subtract(G);
    const commitments = [commitment(z0, c0, G, a), commitment(z0, c0, H, b),
      commitment(z1, c1, G, a), commitment(z1, c1, H, bMinusG)].map(enc);
    if (mod(c0 + c1) !== bitChallenge(bctx, t, ...encoded[t], commitments)) {
      throw new VerifiableError("bad_bit_proof", "bit proof " + t + " does not verify");
    }
  });
  for (let s = 0; s < S; s++) {
    const [c, z] = scalars.slice(4 * T + 2 * s, 4 * T + 2 * s + 2);
    const indices = rowIndices(session, s);
    const aHat = indices.reduce((sum, t) => sum.add(points[t][0]), O);
    const bHat = indices.reduce((sum, t) => sum.add(points[t][1]), O);
    const a = commitment(z, c, G, aHat), b = commitment(z, c, H, bHat.subtract(G));
    if (c !== rowChallenge(bctx, s, enc(aHat), enc(bHat), enc(a), enc(b))) {
      throw new VerifiableError("bad_row_proof", "row proof " + s + " does not verify");
    }
  }
  return { receipt: bytesToHex(sha256(ballot)), points, hexA };
}

/** §5: check the ballot, open it with its reveal and return the choices (null = blank), so the
 * voter can compare them on another device. */
export function openSpoiled(sessionJson, wire, reveal, usedA) {
  const session = prepareSession(sessionJson);
  const { points } = verifyBallot(session, wire, usedA);
  let randomness;
  try {
    randomness = b64decode(reveal);
  } catch {
    throw new VerifiableError("bad_reveal", "the reveal is not base64url");
  }
  if (randomness.length !== 32 * session.T) throw new VerifiableError("bad_reveal", "wrong reveal size");
  const bits = points.map(([a, b], t) => {
    const r = bytesToNumberLE(randomness.subarray(32 * t, 32 * t + 32));
    if (r >= L || !mulPublic(G, r).equals(a)) throw new VerifiableError("bad_reveal", "r_" + t + " does not open");
    const plain = b.subtract(mulPublic(session.H, r));
    if (!plain.is0() && !plain.equals(G)) throw new VerifiableError("bad_reveal", "not a 0 or a 1");
    return plain.is0() ? 0 : 1;
  });
  if (bits[0]) return null;
  return Array.from({ length: session.S }, (_, s) => bits.slice(1 + s * session.m, 1 + (s + 1) * session.m).indexOf(1));
}

// --- the tally --------------------------------------------------------------------------------

/** §6.1: [Σ A_t, Σ B_t] as B64 pairs over already checked wire ballots (all O when none). */
export function aggregate(sessionJson, wires) {
  const session = prepareSession(sessionJson);
  const sums = Array.from({ length: session.T }, () => [O, O]);
  for (const wire of wires) {
    const ballot = fromWire(wire);
    if (ballot.length !== session.size) throw new VerifiableError("wrong_size", "wrong ballot size");
    sums.forEach((sum, t) => {
      sum[0] = sum[0].add(decodePoint(ballot.subarray(64 * t, 64 * t + 32)));
      sum[1] = sum[1].add(decodePoint(ballot.subarray(64 * t + 32, 64 * t + 64)));
    });
  }
  return sums.map(([a, b]) => [b64encode(enc(a)), b64encode(enc(b))]);
}

// --- a member's partial decryption -----------------------------------------------------------------

/** A share's 32 bytes (B64), checked by matching s_i·G to the session's h_i: returns {index, secret}. */
export function shareFromSecret(sessionJson, secretB64) {
  const session = prepareSession(sessionJson);
  const raw = b64decode(secretB64);
  const secret = raw.length === 32 ? bytesToNumberLE(raw) : 0n;
  if (secret === 0n || secret >= L) throw new VerifiableError("bad_share", "not a key share");
  const mine = enc(mul(G, secret));
  const index = session.keys.findIndex((key) => bytesToHex(key) === bytesToHex(mine)) + 1;
  if (index === 0) throw new VerifiableError("bad_share", "this share belongs to no member of this session");
  return { index, secret };
}

/** §6.2: D_t = s_i·Ā_t with a Chaum–Pedersen proof, for each t; `sums` are the tally's
 * [Ā_t, B̄_t] as B64 pairs. Returns B64 of the 96·T bytes. `rng` is for test vectors only. */
export function partialDecrypt(sessionJson, share, sums, rng = systemRandom) {
  const session = prepareSession(sessionJson);
  if (sums.length !== session.T) throw new Error("one sum per ciphertext");
  const key = session.keys[share.index - 1];
  const records = sums.map(([aB64], t) => {
    const aBytes = b64decode(aB64);
    const aBar = decodePoint(aBytes);
    const w = rng.scalar();
    const d = enc(mul(aBar, share.secret));
    const c = hashToScalar(TAGS.decrypt, session.sctx, u8(share.index), key, u16(t), aBytes, d,
      enc(mul(G, w)), enc(mul(aBar, w)));
    return concatBytes(d, scalarBytes(c), scalarBytes(mod(w + c * share.secret)));
  });
  return b64encode(concatBytes(...records));
}
