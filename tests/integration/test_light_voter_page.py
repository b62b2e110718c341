"""The voter page is light (issue 9): what one phone with an empty cache downloads to open it
fits in 30 KB, each sealing bundle is at most 20 KB on the wire (issue 13), every answer is
compressed, static files carry their content hash and are then cached for a year, and the bytes
a phone decompresses are exactly the files the voter-code fingerprint covers."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path

import brotli
import pytest

from votingapp.crypto.fingerprint import PAGE_SCRIPTS, VOTER_SCRIPTS
from votingapp.web.assets import IMMUTABLE

from ..helpers import element, parse_html

#: what the issue allows one phone to download to open the voter page
BUDGET = 30 * 1024
#: what issue 13 allows a sealing bundle to weigh on the wire
SEALING_BUDGET = 20 * 1024
#: scripts, stylesheets and icons a page makes the browser fetch
def subresources(html: str) -> list[str]:
    """The addresses of the scripts and stylesheets (or icons) a page loads, in document order."""
    return [node.attributes.get("src") or node.attributes.get("href") or ""
            for node in parse_html(html).css("script[src], link[href]")]
#: what waitress adds to every answer ("Server: waitress", "Date: ...") and the test client does not
SERVER_HEADERS = len("Server: waitress\r\nDate: Mon, 30 Nov 2026 22:00:00 GMT\r\n")


def decoded(answer) -> bytes:
    encoding = answer.headers.get("Content-Encoding")
    return {"gzip": gzip.decompress, "br": brotli.decompress}.get(encoding, lambda data: data)(answer.data)


def wire_size(answer) -> int:
    """Status line, headers and body as a server sends them."""
    head = f"HTTP/1.1 {answer.status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in answer.headers.items()) + "\r\n"
    return len(head.encode("latin-1")) + SERVER_HEADERS + len(answer.data)


def page_download(client, accept_encoding: str) -> dict[str, int]:
    """Bytes on the wire for /v and each file it names, as a phone with an empty cache gets them."""
    page = client.get("/v", headers={"Accept-Encoding": accept_encoding})
    sizes = {"/v": wire_size(page)}
    for url in subresources(decoded(page).decode()):
        if not url.startswith("data:"):
            sizes[url] = wire_size(client.get(url, headers={"Accept-Encoding": accept_encoding}))
    return sizes


@pytest.mark.parametrize("accept_encoding", ["gzip", "gzip, deflate, br"])
def test_a_phone_downloads_at_most_30_kb_to_open_the_voter_page(client, accept_encoding):
    """gzip alone is what a phone gets over plain HTTP on the hall's LAN (browsers offer
    brotli only over HTTPS and to localhost). The page carries verifiable-v1's bundle, the
    default scheme's; a sealed session's bundle comes only when one is looked up."""
    sizes = page_download(client, accept_encoding)
    assert sum(sizes.values()) <= BUDGET, sizes
    assert "/static/js/verifiable-seal.bundle.js" in {url.split("?")[0] for url in sizes}
    assert "/static/js/sealed.bundle.js" not in {url.split("?")[0] for url in sizes}


@pytest.mark.parametrize("name", ["js/verifiable-seal.bundle.js", "js/sealed.bundle.js"])
def test_each_sealing_bundle_weighs_at_most_20_kb_on_the_wire(client, name):
    answer = client.get(static_urls(client)[name], headers={"Accept-Encoding": "gzip"})
    assert answer.headers["Content-Encoding"] == "gzip"
    assert wire_size(answer) <= SEALING_BUDGET, wire_size(answer)


def test_the_voter_page_loads_no_staff_code_and_sets_no_cookie(client):
    page = client.get("/v")
    html = page.get_data(as_text=True)
    names = [url.split("?")[0] for url in subresources(html) if not url.startswith("data:")]
    assert names == ["/static/css/voter.css", *(f"/static/{name}" for name in PAGE_SCRIPTS)]
    assert "htmx" not in html and "app.css" not in html and "csrf" not in html.lower()
    assert "Set-Cookie" not in page.headers


def test_the_receipt_check_is_on_the_light_layout_too(client):
    html = client.get("/receipt").get_data(as_text=True)
    names = [url.split("?")[0] for url in subresources(html) if not url.startswith("data:")]
    assert names == ["/static/css/voter.css", "/static/js/receipt.js"]


@pytest.mark.parametrize("path", ["/v", "/receipt", "/login"])
@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_pages_are_compressed_as_the_browser_asks(client, path, encoding):
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    packed = client.get(path, headers={"Accept-Encoding": encoding})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data) / 2
    # the page differs only by its CSRF token, if it has one
    strip = re.compile(rb'(csrf[-_]token" (?:content|value)=")[^"]+')
    assert strip.sub(rb"\1", decoded(packed)) == strip.sub(rb"\1", plain.data)


def test_json_answers_are_compressed_and_tiny_ones_left_alone(client, make):
    from votingapp.services import ballots
    session = make.open_session(subjects=15)
    (token,) = ballots.issue_tokens(session, 1, mode="api", by="test")
    found = client.post("/api/v1/ballot/lookup", json={"token": token}, headers={"Accept-Encoding": "gzip"})
    assert found.status_code == 200 and found.headers["Content-Encoding"] == "gzip"
    assert b'"subjects"' in decoded(found)
    refused = client.post("/api/v1/ballot/lookup", json={"token": "x"}, headers={"Accept-Encoding": "gzip"})
    assert refused.status_code == 404 and "Content-Encoding" not in refused.headers  # under 500 bytes


def test_downloads_already_compressed_pass_untouched(client, login_as, make):
    meeting = make.meeting(members=3)
    login_as("chair")
    sheet = client.get(f"/chair/meetings/{meeting.id}/attendance.xlsx", headers={"Accept-Encoding": "gzip, br"})
    assert sheet.status_code == 200 and "Content-Encoding" not in sheet.headers
    assert sheet.data[:2] == b"PK"


def static_urls(client) -> dict[str, str]:
    """The voter page's static URLs by file name: those it names, and the sealed bundle its
    script adds for a sealed session (named in the page's strings)."""
    html = client.get("/v").get_data(as_text=True)
    named = [*subresources(html), json.loads(element(html, "#voter-strings").text())["sealed_url"]]
    return {url.split("?")[0].removeprefix("/static/"): url for url in named if url.startswith("/static/")}


def test_fingerprinted_static_files_are_cached_for_a_year(client, app):
    for name, url in static_urls(client).items():
        digest = hashlib.sha256((Path(app.static_folder) / name).read_bytes()).hexdigest()
        assert url == f"/static/{name}?v={digest[:16]}"
        answer = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert answer.status_code == 200
        assert answer.headers["Cache-Control"] == IMMUTABLE == "public, max-age=31536000, immutable"
        assert "Expires" not in answer.headers and "Last-Modified" not in answer.headers


@pytest.mark.parametrize("query", ["", "?v=0123456789abcdef"])
def test_static_files_without_their_current_hash_are_revalidated(client, query):
    answer = client.get(f"/static/js/voter.js{query}", headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-cache" and answer.headers["ETag"]
    again = client.get(f"/static/js/voter.js{query}",
                       headers={"Accept-Encoding": "gzip", "If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_each_compressed_script_decompresses_to_the_fingerprinted_bytes(client, app, encoding):
    urls = static_urls(client)
    for name in VOTER_SCRIPTS:
        answer = client.get(urls[name], headers={"Accept-Encoding": encoding})
        assert answer.headers["Content-Encoding"] == encoding
        assert answer.headers["ETag"].endswith(f'-{encoding}"')
        assert decoded(answer) == (Path(app.static_folder) / name).read_bytes()
        assert client.get(urls[name], headers={"Accept-Encoding": "identity"}).data == decoded(answer)


def test_head_gives_the_headers_of_get_without_a_body(client):
    url = static_urls(client)["js/sealed.bundle.js"]
    got = client.get(url, headers={"Accept-Encoding": "gzip"})
    head = client.head(url, headers={"Accept-Encoding": "gzip"})
    assert head.status_code == 200 and head.data == b""
    for name in ("Content-Encoding", "Content-Length", "ETag", "Cache-Control"):
        assert head.headers[name] == got.headers[name]


def test_a_range_request_gets_the_plain_bytes(client, app):
    answer = client.get("/static/js/voter.js", headers={"Accept-Encoding": "gzip", "Range": "bytes=0-9"})
    assert answer.status_code == 206 and "Content-Encoding" not in answer.headers
    assert answer.data == (Path(app.static_folder) / "js/voter.js").read_bytes()[:10]


def test_the_hash_in_the_url_changes_with_the_content(client, app, tmp_path):
    static = tmp_path / "static"
    (static / "js").mkdir(parents=True)
    script = static / "js" / "voter.js"
    script.write_bytes(b"/* one */")
    app.static_folder = str(static)
    before = static_urls_of(app, "js/voter.js")
    served = client.get(before, headers={"Accept-Encoding": "gzip"})
    assert served.headers["Cache-Control"] == IMMUTABLE and decoded(served) == b"/* one */"
    script.write_bytes(b"/* two, longer */")
    after = static_urls_of(app, "js/voter.js")
    assert after != before and after.endswith(hashlib.sha256(b"/* two, longer */").hexdigest()[:16])
    assert decoded(client.get(after, headers={"Accept-Encoding": "gzip"})) == b"/* two, longer */"
    # a page still naming the old hash gets the new bytes, but not for a year
    assert client.get(before).headers["Cache-Control"] == "no-cache"


def static_urls_of(app, name: str) -> str:
    from flask import url_for
    with app.test_request_context():
        return url_for("static", filename=name)
