"""Drive the real pages and save PNGs (run through scripts/screenshots)."""

import os
import sys
import tempfile
import threading
from pathlib import Path

OUT = Path(sys.argv[1])
OUT.mkdir(parents=True, exist_ok=True)
os.environ["VOTINGAPP_INSTANCE"] = tempfile.mkdtemp(prefix="votingapp-shots-")

from playwright.sync_api import sync_playwright  # noqa: E402
from waitress.server import create_server  # noqa: E402

from votingapp import create_app  # noqa: E402
from votingapp.crypto.tokens import format_token  # noqa: E402
from votingapp.extensions import db  # noqa: E402
from votingapp.services import ballots, demo, simulation  # noqa: E402

app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{os.environ['VOTINGAPP_INSTANCE']}/shots.db"})
with app.app_context():
    db.create_all()
    setup = demo.set_up_demo(by="screenshots")
    session_id, meeting_id, password = setup.session.id, setup.meeting.id, setup.chair_password
    [voter_token] = ballots.issue_tokens(setup.session, 1, mode="cli", by="screenshots")

server = create_server(app, host="127.0.0.1", port=0, threads=8)
threading.Thread(target=server.run, daemon=True).start()
base = f"http://127.0.0.1:{server.effective_port}"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def shot(page, name):
    page.screenshot(path=str(OUT / f"{name}.png"))
    print("saved", OUT / f"{name}.png")


with sync_playwright() as playwright:
    browser = playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"), args=ARGS)
    chair = browser.new_page(viewport={"width": 1280, "height": 860})
    chair.goto(f"{base}/login")
    chair.fill("input[name=username]", demo.CHAIR_USERNAME)
    chair.fill("input[name=password]", password)
    chair.click("button.primary, button[type=submit]")
    chair.wait_for_load_state("networkidle")
    shot(chair, "1-chair-dashboard")
    chair.goto(f"{base}/chair/meetings/{meeting_id}")
    shot(chair, "2-chair-meeting-attendance")

    phone = browser.new_page(viewport={"width": 360, "height": 640}, device_scale_factor=2,
                             is_mobile=True, has_touch=True)
    phone.goto(f"{base}/v#{format_token(voter_token)}")
    phone.locator('[data-screen="ballot"]').wait_for(state="visible")
    shot(phone, "3-voter-ballot")
    for index, card in enumerate(phone.locator(".subject").all()):
        card.locator(".option-box").nth(index % 3).click()
    phone.locator("#ballot-form [type=submit]").click()
    phone.locator('[data-screen="confirm"]').wait_for(state="visible")
    shot(phone, "4-voter-confirm")
    phone.locator("#confirm-send").click()
    phone.locator('[data-screen="receipt"]').wait_for(state="visible")
    shot(phone, "5-voter-receipt")

    with app.app_context():
        session = db.session.get(type(setup.session), session_id)
        simulation.run_simulation(session, voters=11, base_url=base, seed=1, by="screenshots")
    chair.goto(f"{base}/chair/sessions/{session_id}")
    chair.wait_for_timeout(1800)
    shot(chair, "6-chair-session-progress")
    chair.goto(f"{base}/chair/sessions/{session_id}/kiosk")
    chair.wait_for_timeout(1500)
    shot(chair, "7-chair-kiosk")
    with app.app_context():
        session = db.session.get(type(setup.session), session_id)
        ballots.close_session(session, by="screenshots")
        from votingapp.services import tallying
        tallying.tally_session(session, by="screenshots")
    chair.goto(f"{base}/chair/sessions/{session_id}/results")
    chair.wait_for_load_state("networkidle")
    chair.screenshot(path=str(OUT / "8-chair-results.png"), full_page=True)
    print("saved", OUT / "8-chair-results.png")
    browser.close()
server.close()
