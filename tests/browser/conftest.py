"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, at phone size."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 360, "height": 640}
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


@pytest.fixture
def phone(browser):
    """A fresh 360×640 page, like a cheap Android phone."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


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
