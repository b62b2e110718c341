"""Static files as a phone on a crowded meeting-hall router wants them (docs/deploy.md,
"Compression and caching"): every `url_for('static', ...)` carries the file's content hash
(`?v=`), a request naming the current hash is cached for a year and never revalidated, and a
text file is compressed once per version (brotli 11, gzip 9) and then served from memory.

A URL without the hash, or with an old one, gets `no-cache` (revalidate with the ETag), so
nothing stale is ever kept for a year. Hashes are of the bytes on disk, recomputed when a
file's size or modification time changes, so a page never names a hash the server would not
serve. The bytes sent, once decompressed, are exactly the file's: the voter-code fingerprint
(crypto/fingerprint.py) of what a phone receives does not change.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import threading
from urllib.parse import quote

import brotli
from flask import Flask, current_app, request
from werkzeug.security import safe_join

#: hex digits of the SHA-256 of the content in the URL: 64 bits tell versions apart
DIGEST_LENGTH = 16
#: a year: the longest lifetime a cache is asked to honour (RFC 9111 practice)
IMMUTABLE = "public, max-age=31536000, immutable"
#: static types worth compressing (images and fonts we serve are compressed already)
COMPRESSIBLE = frozenset(("text/css", "text/javascript", "application/javascript", "image/svg+xml",
                          "text/plain", "application/json", "text/markdown"))
#: encodings offered for static files, best first
ENCODINGS = ("br", "gzip")


def _static_path(filename: str) -> str | None:
    """The file's path in the app's static folder; None without a folder or for a name that
    would leave it."""
    folder = current_app.static_folder
    return safe_join(folder, filename) if folder is not None else None


class StaticAssets:
    """Fingerprinted URLs, year-long caching and compress-once for the app's static folder."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        #: (path, size, mtime_ns) -> hex SHA-256 of the content
        self._digests: dict[tuple[str, int, int], str] = {}
        #: (hex SHA-256 of the content, encoding) -> compressed bytes
        self._compressed: dict[tuple[str, str], bytes] = {}

    def init_app(self, app: Flask) -> None:
        app.url_defaults(self._add_digest)
        app.after_request(self._serve_static)
        app.add_template_global(self.data_uri, "static_data_uri")

    def data_uri(self, filename: str, mimetype: str = "image/svg+xml") -> str:
        """A small static file as a data: URI (the page's icon): one request fewer per phone."""
        path = _static_path(filename)
        if path is None:
            raise FileNotFoundError(filename)
        with open(path, "rb") as file:
            return f"data:{mimetype},{quote(file.read().decode().strip(), safe=' /:=;,')}"

    def digest(self, filename: str) -> str | None:
        """The content hash of a static file as URLs carry it (shortened), or None."""
        full = self._sha256(filename)
        return full[:DIGEST_LENGTH] if full else None

    def _sha256(self, filename: str) -> str | None:
        path = _static_path(filename)
        if path is None:
            return None
        try:
            stat = os.stat(path)
        except OSError:
            return None
        if not os.path.isfile(path):
            return None
        key = (path, stat.st_size, stat.st_mtime_ns)
        found = self._digests.get(key)
        if found is None:
            with open(path, "rb") as file:
                found = hashlib.sha256(file.read()).hexdigest()
            with self._lock:
                self._digests[key] = found
        return found

    def _add_digest(self, endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values and "filename" in values:
            digest = self.digest(values["filename"])
            if digest:
                values["v"] = digest

    def _serve_static(self, response):
        """After Flask's static view: the cache policy, and the compressed body if asked for.
        Runs before Flask-Compress, which leaves a response that has a Content-Encoding alone."""
        if request.endpoint != "static" or response.status_code not in (200, 304):
            return response
        content = self._sha256(request.view_args.get("filename", "")) if request.view_args else None
        response.headers.pop("Content-Disposition", None)  # Flask's "inline; filename=": a default
        if content is not None and request.args.get("v") == content[:DIGEST_LENGTH]:
            response.headers["Cache-Control"] = IMMUTABLE
            response.headers.pop("Expires", None)
            response.headers.pop("Last-Modified", None)  # never revalidated; the ETag stays
        else:  # unfingerprinted or outdated: keep, but ask each time (ETag)
            response.headers["Cache-Control"] = "no-cache"
        response.vary.add("Accept-Encoding")
        if (response.status_code != 200 or content is None or response.mimetype not in COMPRESSIBLE
                or "Content-Encoding" in response.headers or "Content-Range" in response.headers):
            return response
        encoding = next((name for name in ENCODINGS if request.accept_encodings[name]), None)
        if encoding is None:
            return response
        response.direct_passthrough = False
        body = self._compressed_body(content, encoding, response)
        if hasattr(response.response, "close"):  # the file Flask opened, read or not
            response.response.close()
        response.set_data(body)
        response.headers["Content-Encoding"] = encoding
        response.headers.pop("Accept-Ranges", None)  # ranges are served of the identity bytes only
        # The compressed variant is its own representation: its own strong validator.
        response.set_etag(f"{content[:DIGEST_LENGTH]}-{encoding}")
        return response.make_conditional(request)

    def _compressed_body(self, content: str, encoding: str, response) -> bytes:
        """From memory, or compressed now and kept, under the hash of the bytes actually read
        (a file replaced between hashing and reading is compressed but not kept)."""
        body = self._compressed.get((content, encoding))
        if body is None:
            data = response.get_data()
            body = brotli.compress(data, quality=11) if encoding == "br" else gzip.compress(data, 9, mtime=0)
            if hashlib.sha256(data).hexdigest() == content:
                with self._lock:
                    self._compressed[(content, encoding)] = body
        return body


static_assets = StaticAssets()
