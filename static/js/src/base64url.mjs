// Base64url without padding, decoded strictly so that each value has one spelling
// (docs/formats.md), and the browser's CSPRNG. Shared by the ballot modules.

export function randomBytes(length) {
  const crypto = globalThis.crypto;
  if (!crypto || typeof crypto.getRandomValues !== "function") {
    throw new Error("this browser has no crypto.getRandomValues: it cannot seal a ballot");
  }
  return crypto.getRandomValues(new Uint8Array(length));
}

export function b64encode(bytes) {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function b64decode(text) {
  if (typeof text !== "string" || !/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) {
    throw new Error("not unpadded base64url");
  }
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const binary = atob(padded);
  const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  if (b64encode(bytes) !== text) throw new Error("not canonical base64url");
  return bytes;
}
