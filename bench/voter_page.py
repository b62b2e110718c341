"""The voter page as a phone meets it (issue 9, item 2): what one phone downloads to open it,
and how long sealing one ballot of 15 people takes in Chromium slowed down 4×.

Two rows:
- weight on the wire: HTML and every subresource it names, fetched with an empty cache over
  real HTTP, counting status line, headers and body bytes as sent. A asks for no compression
  (`identity`, as every response was before), B as a phone asks (`gzip, deflate, br`); the
  extra field adds gzip alone (a browser on plain HTTP may not offer br) and what Chromium
  itself counted (CDP encodedDataLength) with the Accept-Encoding it sent.
- seal time at 4× CPU throttling (CDP Emulation.setCPUThrottlingRate): a fresh browser context
  per round opens the page from a QR link, marks 15 people, confirms (verifiable-v1: then
  sends the ballot whose code it shows); the first seal is what the voter waits for, later
  seals (same page, same ballot) show the cost once warm. The session is verifiable-v1 unless
  `--scheme sealed-v2`.

It serves its own app (waitress, temporary SQLite and instance folder) on 127.0.0.1.
Run alone: `.venv/bin/python -m bench.voter_page [--rounds 5]`.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import statistics
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

from .common import Row, interleaved

SECTION = "voter page"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 360, "height": 640}
SUBJECTS = 15
THROTTLE = 4
#: what the issue allows one phone to download to open the page
WEIGHT_GOAL = 30 * 1024
#: what the first seal may take, by scheme (issue 9 for sealed-v2; issue 13 item 7 for verifiable-v1)
SEAL_GOAL_MS = {"verifiable-v1": 1000, "sealed-v2": 150}
#: the page's subresources: scripts, stylesheets and the icon
SUBRESOURCE = re.compile(r'<(?:script[^>]*\ssrc|link[^>]*\shref)="([^"]+)"')


# --- the app under measurement ----------------------------------------------------------------

@contextlib.contextmanager
def restored_environment(saved: dict):
    """Puts these variables back as they were: the caller (scripts/bench) may have its own."""
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def served_session(subjects: int = SUBJECTS, tokens: int = 10, scheme: str = "verifiable-v1"):
    """A waitress server on a free loopback port with one open session of `subjects` people
    (the demo cell's members present); yields (base_url, unused tokens)."""
    from waitress.server import create_server

    saved = {name: os.environ.get(name) for name in ("VOTINGAPP_INSTANCE", "DATABASE_URL", "VOTINGAPP_PUBLIC_URL")}
    with tempfile.TemporaryDirectory(prefix="votingapp-bench-voter-") as folder, restored_environment(saved):
        os.environ.update(VOTINGAPP_INSTANCE=f"{folder}/instance", DATABASE_URL=f"sqlite:///{folder}/bench.db")
        os.environ.pop("VOTINGAPP_PUBLIC_URL", None)
        from votingapp import create_app
        from votingapp.domain import ballot_forms
        from votingapp.extensions import db
        from votingapp.services import ballots
        from votingapp.services.demo import set_up_demo
        app = create_app()
        with app.app_context():
            db.create_all()
            meeting = set_up_demo(by="bench").meeting
            present = sorted((row.member for row in meeting.attendance if row.status == "present"),
                             key=lambda member: member.code)
            if len(present) < subjects:
                raise SystemExit(f"the demo meeting has {len(present)} people present, {subjects} wanted")
            session = ballots.create_session(meeting, kind=ballot_forms.CONFIDENCE, title=f"{subjects} people",
                                             subjects=ballots.member_subjects(present[:subjects]), by="bench",
                                             scheme=scheme)
            ballots.open_session(session, by="bench")
            codes = ballots.issue_tokens(session, tokens, mode="api", by="bench")
            db.session.remove()
            server = create_server(app, host="127.0.0.1", port=0, threads=8)
            thread = threading.Thread(target=server.run, daemon=True)
            thread.start()
            try:
                yield f"http://127.0.0.1:{server.effective_port}", codes
            finally:
                server.task_dispatcher.shutdown()
                server.close()
                db.engine.dispose()


# --- weight on the wire ---------------------------------------------------------------------

def fetch_raw(base_url: str, path: str, accept_encoding: str) -> tuple[int, bytes, dict]:
    """One GET as sent: the size of status line + headers + body (not decompressed)."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", path, headers={"Accept-Encoding": accept_encoding, "User-Agent": "bench"})
        response = connection.getresponse()
        body = response.read()
        head = f"HTTP/1.1 {response.status} {response.reason}\r\n" + "".join(
            f"{name}: {value}\r\n" for name, value in response.getheaders()) + "\r\n"
        return len(head.encode("latin-1")) + len(body), body, dict(response.getheaders())
    finally:
        connection.close()


def page_weight(base_url: str, accept_encoding: str) -> tuple[int, dict[str, int]]:
    """Bytes one phone with an empty cache downloads to open /v: the HTML and each subresource."""
    import gzip

    import brotli
    total, html, headers = fetch_raw(base_url, "/v", accept_encoding)
    encoding = headers.get("Content-Encoding", "")
    text = (gzip.decompress(html) if encoding == "gzip" else brotli.decompress(html) if encoding == "br"
            else html).decode()
    parts = {"/v": total}
    for url in dict.fromkeys(u for u in SUBRESOURCE.findall(text) if not u.startswith("data:")):
        size, _body, _headers = fetch_raw(base_url, url.replace("&amp;", "&"), accept_encoding)
        parts[url] = size
    return sum(parts.values()), parts


def chromium_weight(browser, base_url: str) -> tuple[int, str]:
    """What Chromium counts on the wire (encodedDataLength: headers and body) to open /v with
    an empty cache, and the Accept-Encoding it sent."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        sizes, asked = {}, []
        cdp.on("Network.requestWillBeSentExtraInfo",
               lambda event: asked.append(event["headers"].get("Accept-Encoding")
                                          or event["headers"].get("accept-encoding", "")))
        cdp.on("Network.loadingFinished", lambda event: sizes.__setitem__(event["requestId"],
                                                                          event["encodedDataLength"]))
        page.goto(f"{base_url}/v", wait_until="load")
        page.wait_for_timeout(300)
        return int(sum(sizes.values())), (asked[0] if asked else "")
    finally:
        context.close()


# --- seal time --------------------------------------------------------------------------------

#: before any script runs: whatever the page sets as window.VotingSealed or VotingVerifiable is
#: replaced by a copy whose sealBallot and warm-up calls record how long each took (the
#: verifiable page warms up with sessionContext and a throwaway ballot under "<id>/warm-up")
TIME_SEALS = """(() => {
  window.sealTimes = []; window.warmTimes = [];
  const warming = (args) => args[0] && typeof args[0].id === "string" && args[0].id.endsWith("/warm-up");
  const clock = (global, name, real, warm) => (...args) => {
    const started = performance.now();
    try { return real[name](...args); } finally {
      const isWarm = warm || warming(args);
      (isWarm ? window.warmTimes : window.sealTimes).push(performance.now() - started);
      if (name === "sealBallot" && !isWarm) { window.sealArgs = args; window.sealer = global; }
    }
  };
  for (const global of ["VotingSealed", "VotingVerifiable"]) {
    let timed;
    Object.defineProperty(window, global, {configurable: true, get: () => timed, set: (real) => {
      if (!real || real.timed) { timed = real; return; }
      timed = Object.assign({}, real, {timed: true, sealBallot: clock(global, "sealBallot", real, false)});
      for (const name of ["warmUp", "sessionContext"]) if (real[name]) timed[name] = clock(global, name, real, true);
    }});
  }
})();"""
RESEAL = """(times) => { for (let i = 0; i < times; i++) window[window.sealer].sealBallot(...window.sealArgs);
                        return [window.sealTimes, window.warmTimes]; }"""


def seal_times(browser, base_url: str, token: str, later: int = 5) -> tuple[float, list[float], list[float]]:
    """One voter, a fresh browser context at 4× slower CPU: ms of the first seal, of `later`
    seals of the same ballot on the same page, and of each warm-up the page ran meanwhile."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.add_init_script(TIME_SEALS)
        cdp = context.new_cdp_session(page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
        page.goto(f"{base_url}/v#{token}")
        page.locator('[data-screen="ballot"]').wait_for(state="visible", timeout=60000)
        subjects = page.locator(".subject")
        for index in range(subjects.count()):
            subjects.nth(index).locator(".option-box").first.click()
        page.locator("#ballot-form button[type=submit]").click()
        page.locator("#confirm-send").click()
        page.locator('[data-screen="receipt"]:not([hidden]), [data-screen="code"]:not([hidden])').first.wait_for(
            state="visible", timeout=60000)
        if page.locator('[data-screen="code"]').is_visible():  # verifiable-v1: the code, then Send
            page.locator("#code-cast").click()
            page.locator('[data-screen="receipt"]').wait_for(state="visible", timeout=60000)
        seals, warm_ups = page.evaluate(RESEAL, later)
        return seals[0], seals[1:], warm_ups
    finally:
        context.close()


def warm_ups_text(rounds: list[list[float]]) -> str:
    return "; ".join("+".join(f"{ms:.0f}" for ms in warmed) or "none" for warmed in rounds)


@contextlib.contextmanager
def chromium():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        try:
            yield browser
        finally:
            browser.close()


# --- the section ------------------------------------------------------------------------------

def measure(options=None) -> list[Row]:
    """Both rows; `options.rounds` (default 5) sets how many times each side is measured."""
    rounds = int(getattr(options, "rounds", None) or 5)
    scheme = getattr(options, "scheme", None) or "verifiable-v1"
    with served_session(tokens=rounds + 1, scheme=scheme) as (base_url, tokens), chromium() as browser:
        plain, packed = interleaved(lambda: page_weight(base_url, "identity")[0],
                                    lambda: page_weight(base_url, "gzip, deflate, br")[0], rounds=3)
        _, plain_parts = page_weight(base_url, "identity")
        gzip_only, gzip_parts = page_weight(base_url, "gzip")
        _, br_parts = page_weight(base_url, "gzip, deflate, br")
        seen_by_chromium, chromium_asked = chromium_weight(browser, base_url)
        weight = Row(SECTION, "weight on the wire, empty cache (bytes)", "identity", "gzip, deflate, br",
                     [float(v) for v in plain], [float(v) for v in packed], unit="B",
                     goal=f"B <= {WEIGHT_GOAL} B (30 KB)",
                     notes=f"gzip alone: {gzip_only} B; Chromium counted {seen_by_chromium} B "
                           f"asking {chromium_asked!r}",
                     extra={"identity": plain_parts, "gzip": gzip_parts, "br": br_parts,
                            "gzip_only_total": gzip_only, "chromium_total": seen_by_chromium,
                            "chromium_accept_encoding": chromium_asked})

        firsts, laters, warm_ups = [], [], []
        for token in tokens[:rounds]:
            first, later, warmed = seal_times(browser, base_url, token)
            firsts.append(first)
            laters.append(statistics.median(later))
            warm_ups.append(warmed)
        seal = Row(SECTION, f"seal {SUBJECTS} people ({scheme}), Chromium at {THROTTLE}x CPU (ms)", "later seal",
                   "first seal",
                   laters, firsts, unit="ms", goal=f"first seal < {SEAL_GOAL_MS[scheme]} ms",
                   notes="fresh browser context per round; later = median of 5 reseals on the same page; "
                         f"warm-ups while the voter reads (ms, per round): {warm_ups_text(warm_ups)}",
                   extra={"warm_ups_ms": warm_ups})
    return [weight, seal]


def main() -> None:
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scheme", default="verifiable-v1", choices=["verifiable-v1", "sealed-v2"])
    for row in measure(parser.parse_args()):
        data = row.as_dict()
        print(f"{row.name}\n  A {row.a_label}: min {data['a_min']:.1f} median {data['a_median']:.1f} {row.unit}"
              f"\n  B {row.b_label}: min {data['b_min']:.1f} median {data['b_median']:.1f} {row.unit}"
              f"\n  B/A {row.ratio_median:.3f}  goal: {row.goal}\n  {row.notes}")
        for name in ("identity", "gzip", "br"):
            if name in row.extra:
                print(f"  {name}: " + ", ".join(f"{url.split('?')[0]} {size}" for url, size in row.extra[name].items()))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
