// The browser side of the sealed ballot schemes (design.md, docs/formats.md).
//
// ECIES on P-256: an ephemeral key agrees with the session key, HKDF-SHA256 turns the
// x-coordinate into an AES-256-GCM key, and the padded JSON ballot is sealed under it.
// sealed-v2 (every new session) salts HKDF with epk || session public key, so a copy whose
// epk has y negated no longer opens; sealed-v1 (older sessions) has no salt. A phone seals
// with the scheme the lookup names.
// Pure JavaScript (noble), so it works over plain HTTP where WebCrypto's subtle is absent;
// the only platform call is crypto.getRandomValues, which every browser has on any origin.
// tests/vectors/sealed-v{1,2}.json pin this byte for byte to votingapp/crypto/sealed.py.

import { gcm } from "@noble/ciphers/aes.js";
import { ecdh, weierstrass } from "@noble/curves/abstract/weierstrass.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, concatBytes, hexToBytes } from "@noble/hashes/utils.js";
import { b64decode, b64encode, randomBytes } from "./base64url.mjs";

// P-256 as @noble/curves/nist.js builds it (`weierstrass(p256_CURVE)`), but with only the
// key-agreement half (`ecdh`): nist.js wraps the same point in ECDSA, which a phone that only
// seals never uses and which would add 4 KB (gzipped) to every phone's download. build.mjs
// refuses to write the bundle unless these numbers equal nist.js's p256.Point.CURVE().
export const P256_CURVE = {
  p: BigInt("0xffffffff00000001000000000000000000000000ffffffffffffffffffffffff"),
  n: BigInt("0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"),
  h: BigInt(1),
  a: BigInt("0xffffffff00000001000000000000000000000000fffffffffffffffffffffffc"),
  b: BigInt("0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b"),
  Gx: BigInt("0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"),
  Gy: BigInt("0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5"),
};
const p256 = ecdh(weierstrass(P256_CURVE));

export const SCHEMES = ["sealed-v1", "sealed-v2"];
export const CURRENT_SCHEME = "sealed-v2";
export const POINT_SIZE = 65;
export const NONCE_SIZE = 12;
export const TAG_SIZE = 16;

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

// base64url without padding is the one binary-to-text encoding of the wire form.
export { b64decode, b64encode, randomBytes };

// --- the scheme ------------------------------------------------------------------------------

function checkScheme(scheme) {
  if (!SCHEMES.includes(scheme)) throw new Error("unknown ballot scheme " + JSON.stringify(scheme));
  return scheme;
}

// sealed-v2 binds both exact points into the key; sealed-v1 uses no salt.
function ballotCipher(scheme, sharedX, sessionId, epk, sessionPoint, nonce) {
  const salt = scheme === "sealed-v2" ? concatBytes(epk, sessionPoint) : undefined;
  const key = hkdf(sha256, sharedX, salt, utf8.encode("votingapp/" + scheme + "/" + sessionId), 32);
  return gcm(key, nonce, utf8.encode(scheme + "|" + sessionId));
}

function asBytes(value, decode, what) {
  if (value instanceof Uint8Array) return value;
  if (typeof value === "string") return decode(value);
  throw new Error(what + " must be bytes or a string");
}

/** The ballot document as compact UTF-8 JSON, padded with spaces to exactly `size` bytes,
 * so that a ballot's length never tells what it chose. */
export function padPlaintext(document, size) {
  const raw = utf8.encode(JSON.stringify(document));
  if (raw.length > size) {
    throw new Error("ballot needs " + raw.length + " bytes, session allows " + size);
  }
  const padded = new Uint8Array(size).fill(0x20);
  padded.set(raw);
  return padded;
}

/** Seal `choices` ({subject id: option id}) for a session under its `scheme` (the lookup's);
 * returns the wire form. `ephemeralPrivateKey` (hex or bytes) and `nonce` (B64 or bytes) are
 * for test vectors only. */
export function sealBallot({ sessionId, publicKey, plaintextSize, choices, scheme, ephemeralPrivateKey, nonce }) {
  if (typeof sessionId !== "string" || !sessionId) throw new Error("sessionId is required");
  checkScheme(scheme);
  const sessionPoint = asBytes(publicKey, b64decode, "publicKey");
  if (sessionPoint.length !== POINT_SIZE || sessionPoint[0] !== 4) {
    throw new Error("publicKey must be a 65-byte uncompressed P-256 point");
  }
  const plaintext = padPlaintext({ v: 1, session: sessionId, choices }, plaintextSize);
  const ephemeral = ephemeralPrivateKey === undefined
    ? p256.utils.randomSecretKey(randomBytes(p256.lengths.seed))
    : asBytes(ephemeralPrivateKey, hexToBytes, "ephemeralPrivateKey");
  const nonceBytes = nonce === undefined ? randomBytes(NONCE_SIZE) : asBytes(nonce, b64decode, "nonce");
  if (nonceBytes.length !== NONCE_SIZE) throw new Error("nonce must be 12 bytes");
  const epk = p256.getPublicKey(ephemeral, false);
  const sharedX = p256.getSharedSecret(ephemeral, sessionPoint, false).slice(1, 33);
  const ct = ballotCipher(scheme, sharedX, sessionId, epk, sessionPoint, nonceBytes).encrypt(plaintext);
  return {
    scheme,
    epk: b64encode(epk),
    nonce: b64encode(nonceBytes),
    ct: b64encode(ct),
  };
}

/** Pays, ahead of time, what the first seal would otherwise cost at the voter's tap: noble
 * builds its table of multiples of the base point on first use, and the engine compiles every
 * step on first run (together some 600 ms on a slow phone). With a looked-up session it seals
 * a throwaway empty ballot under the session's key (kept nowhere, sent nowhere); without, it
 * only builds the table. Call it while the voter reads. */
export function warmUp(session) {
  if (!session) {
    p256.getPublicKey(p256.utils.randomSecretKey(randomBytes(p256.lengths.seed)), false);
    return;
  }
  sealBallot({ sessionId: session.sessionId, publicKey: session.publicKey, scheme: session.scheme,
               plaintextSize: session.plaintextSize, choices: {} });
}

/** Lowercase hex SHA-256 of epk || nonce || ct: the voter's receipt (first 8: short code). */
export function receiptOf(wire) {
  return bytesToHex(sha256(concatBytes(b64decode(wire.epk), b64decode(wire.nonce), b64decode(wire.ct))));
}

/** Decrypt a wire-form ballot with the session's private key (hex scalar); returns the padded
 * plaintext as text. Only tests use it: a phone never holds a session key. */
export function openBallot(wire, sessionId, privateKeyHex) {
  if (!wire) throw new Error("no ballot");
  const scheme = checkScheme(wire.scheme);
  const epk = b64decode(wire.epk);
  const privateKey = hexToBytes(privateKeyHex);
  const sharedX = p256.getSharedSecret(privateKey, epk, false).slice(1, 33);
  const sessionPoint = p256.getPublicKey(privateKey, false);
  const cipher = ballotCipher(scheme, sharedX, sessionId, epk, sessionPoint, b64decode(wire.nonce));
  const plaintext = cipher.decrypt(b64decode(wire.ct));
  return strictUtf8.decode(plaintext);
}
