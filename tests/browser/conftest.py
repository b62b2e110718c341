"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, at phone size; and the
steps every browser test shares: a voter votes on a phone page (verifiable-v1: choose, seal, see
the code, send, see the receipt), the chair opens a session with a committee key."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from flask_babel import gettext
from sqlalchemy import select

from votingapp.domain import ballot_forms
from votingapp.extensions import db
from votingapp.models import Ballot
from votingapp.services import ballots, tallying

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 360, "height": 640}
#: the phone size of the README's screenshots of the verifiable steps
TALL_PHONE = {"width": 390, "height": 844}
LABEL_VI = {o.id: o.label_vi for o in ballot_forms.OPTIONS[ballot_forms.CONFIDENCE]}
LABEL_EN = {o.id: o.label_en for o in ballot_forms.OPTIONS[ballot_forms.CONFIDENCE]}
SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")  # set to keep screenshots for the README

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


@contextmanager
def new_phone(browser, width: int = PHONE["width"], height: int = PHONE["height"]) -> Iterator:
    """A page in a fresh phone-like context (touch, 2× pixels), closed on leaving."""
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def phone(browser):
    """A fresh 360×640 page, like a cheap Android phone."""
    with new_phone(browser) as page:
        yield page


@pytest.fixture
def tall_phone(browser):
    """A fresh 390×844 page, a recent phone (the README's screenshots)."""
    with new_phone(browser, **TALL_PHONE) as page:
        yield page


@pytest.fixture
def laptop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    """Keep a screenshot when SCREENSHOT_DIR is set (README pictures, visual review)."""
    if SCREENSHOTS:
        os.makedirs(SCREENSHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def card_qr_texts(path: str) -> list[str]:
    """The QR codes of each page of a PDF of cards, as a scanner reads them (each page kept as
    a PNG named after the PDF when SCREENSHOT_DIR is set, for review)."""
    document = pdfium.PdfDocument(path)
    try:
        found = []
        for number, page in enumerate(document, start=1):
            image = page.render(scale=2).to_pil()
            if SCREENSHOTS:
                os.makedirs(SCREENSHOTS, exist_ok=True)
                image.save(os.path.join(SCREENSHOTS, f"{Path(path).stem}-{number}.png"))
            found.append([code.text for code in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)])
        return found
    finally:
        document.close()


def log_in(page, base_url: str, username: str, password: str, *, lang: str | None = None) -> None:
    """Through the real login form, as a person would; lands on the dashboard."""
    page.goto(f"{base_url}/login" + (f"?lang={lang}" if lang else ""))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button.primary")
    page.wait_for_url(f"{base_url}/chair/")


def log_in_new_user(page, base_url: str, make, role: str = "chair", *, lang: str | None = None):
    user, password = make.user(role=role)
    log_in(page, base_url, user.username, password, lang=lang)
    return user


# --- the voter's phone ---------------------------------------------------------------------------

def in_vietnamese(app, text: str) -> str:
    """What the Vietnamese page says for `text` (the catalog may not translate it yet)."""
    with app.test_request_context("/?lang=vi"):
        return gettext(text)


def open_session_with_tokens(make, subjects=3, count=1, **options):
    """An open session of the default scheme (verifiable-v1) and `count` printed ballot codes."""
    session = make.open_session(subjects=subjects, **options)
    return session, ballots.issue_tokens(session, count, mode="print", by="test")


def record_requests(page) -> list:
    """Every request the page makes, with its body (to check what reaches the server)."""
    seen: list = []
    page.on("request", lambda request: seen.append(request))
    return seen


def wait_for_screen(page, name: str) -> None:
    page.locator(f'[data-screen="{name}"]').wait_for(state="visible", timeout=15000)


def mark(page, subject_index: int, label: str) -> None:
    page.locator(".subject").nth(subject_index).get_by_text(label, exact=True).click()


def assert_fits_a_phone(page) -> None:
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
    for box in page.locator(".option-box:visible, .button:visible, .lang a").all():
        height = box.bounding_box()["height"]
        assert height >= 48, f"touch target {box.inner_text()!r} is only {height}px high"


def choose_on_phone(page, picks: Sequence[str], labels: dict[str, str] = LABEL_VI) -> None:
    """On the ballot screen: tick option `picks[i]` for the i-th subject, continue to the confirm step."""
    for index, option in enumerate(picks):
        mark(page, index, labels[option])
    page.locator("#ballot-form [type=submit]").click()
    wait_for_screen(page, "confirm")


def shown_code(page) -> str:
    """The short code of the sealed ballot on the code screen (waits for that screen)."""
    wait_for_screen(page, "code")
    code = page.locator("#code-short").inner_text()
    assert len(code) == 8 and int(code, 16) >= 0, code
    return code


def seal_on_phone(page) -> str:
    """On the confirm step: the phone seals the ballot and shows its code; returns the code."""
    page.locator("#confirm-send").click()
    return shown_code(page)


def send_shown_ballot(page) -> str:
    """On the code screen: "Gửi phiếu"; returns the full receipt, which the code begins."""
    code = shown_code(page)
    page.locator("#code-cast").click()
    wait_for_screen(page, "receipt")
    full = page.locator("#receipt-full").inner_text().replace(" ", "")
    assert full.startswith(code) and page.locator("#receipt-short").inner_text() == code
    return full


def vote_on_phone(page, base_url: str, token: str | None, picks: Sequence[str],
                  labels: dict[str, str] = LABEL_VI) -> str:
    """A voter votes on a verifiable-v1 session: opens the ballot link of `token` (None: the ballot
    is on screen already), chooses `picks` in subject order, seals, sees the code, sends it and
    sees the receipt; returns the full receipt."""
    if token is not None:
        page.goto(f"{base_url}/v#{token}")
        wait_for_screen(page, "ballot")
    choose_on_phone(page, picks, labels)
    seal_on_phone(page)
    return send_shown_ballot(page)


def stored_receipts(session) -> list[str]:
    db.session.rollback()  # see what the server's threads committed
    return list(db.session.scalars(select(Ballot.receipt).where(Ballot.session_id == session.id)))


def tally_counts(session) -> dict:
    """Close and count the session; the non-zero counts per subject."""
    db.session.rollback()
    db.session.refresh(session)
    ballots.close_session(session, by="test")
    document = tallying.tally_session(session, by="test").document
    return {subject["id"]: {k: v for k, v in subject["counts"].items() if v} for subject in document["subjects"]}


# --- the chair's laptop -------------------------------------------------------------------------

def open_with_committee(page, base_url: str, session, folder: Path, *, threshold: int = 2, holders: int = 3,
                        names: Sequence[str] = ()) -> Path:
    """On the session's page the chair opens voting with a `threshold`-of-`holders` committee key;
    the share cards download (saved in `folder`), then the page shows the open session."""
    page.goto(f"{base_url}/chair/sessions/{session.id}?lang=en")
    page.click("details.committee-open > summary")
    form = page.locator("form.committee-open-form")
    form.locator("input[name=threshold]").fill(str(threshold))
    form.locator("input[name=holders]").fill(str(holders))
    if names:
        form.locator("textarea[name=names]").fill("\n".join(names))
    screenshot(page, "committee-open-form")
    with page.expect_download() as download_info:
        form.locator("button.primary").click()
    saved = folder / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    page.wait_for_selector("#session-state.state-open", timeout=10000)  # the page reloaded itself
    return saved


@pytest.fixture(autouse=True)
def no_content_security_policy_violations(request):
    """Every browser test fails on a CSP violation the page logs (an inline script or handler
    left behind, something loaded from elsewhere): the header forbids them in production too."""
    if "browser" not in request.fixturenames:
        yield
        return
    browser = request.getfixturevalue("browser")
    violations: list[str] = []
    make_context = browser.new_context

    def new_context(*args, **kwargs):
        context = make_context(*args, **kwargs)
        context.on("console", lambda message: violations.append(message.text)
                   if "Content Security Policy" in message.text else None)
        return context

    browser.new_context = new_context
    try:
        yield
    finally:
        browser.new_context = make_context
    assert violations == [], violations
