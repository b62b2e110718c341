"""Drive the real pages and save PNGs (run through scripts/screenshots)."""

import os
import sys
import tempfile
import threading
from pathlib import Path

OUT = Path(sys.argv[1])
OUT.mkdir(parents=True, exist_ok=True)
os.environ["VOTINGAPP_INSTANCE"] = tempfile.mkdtemp(prefix="votingapp-shots-")

import pypdfium2  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from waitress.server import create_server  # noqa: E402

from votingapp import create_app  # noqa: E402
from votingapp.crypto.tokens import format_token  # noqa: E402
from votingapp.extensions import db  # noqa: E402
from votingapp.services import accounts, ballots, demo, grading_demo, simulation  # noqa: E402

app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{os.environ['VOTINGAPP_INSTANCE']}/shots.db"})
with app.app_context():
    db.create_all()
    setup = demo.set_up_demo(by="screenshots")
    session_id, meeting_id, password = setup.session.id, setup.meeting.id, setup.chair_password
    [voter_token] = ballots.issue_tokens(setup.session, 1, mode="cli", by="screenshots")
    AUDITOR_PASSWORD = "kiem-tra-2026-mat-khau"
    rating = grading_demo.set_up_grading_demo()
    cycle_id, commune_id, commune_password = rating.cycle.id, rating.cycle.organization.id, rating.admin_password
    sl04_id = next(cell.id for cell in rating.cycle.organization.children if cell.code == "SL-04")
    accounts.create_user("kiem-tra", AUDITOR_PASSWORD, "auditor", by="screenshots")

server = create_server(app, host="127.0.0.1", port=0, threads=8)
threading.Thread(target=server.run, daemon=True).start()
base = f"http://127.0.0.1:{server.effective_port}"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def shot(page, name, *, full_page=False):
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full_page)
    print("saved", OUT / f"{name}.png")


def pdf_shot(response, name):
    """The first page of the PDF a request answered, as a picture."""
    pypdfium2.PdfDocument(response.body())[0].render(scale=1.2).to_pil().save(OUT / f"{name}.png")
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
    receipt = phone.locator("#receipt-full").inner_text().replace(" ", "")

    with app.app_context():
        session = db.session.get(type(setup.session), session_id)
        simulation.run_simulation(session, voters=11, base_url=base, seed=1, by="screenshots")
    chair.goto(f"{base}/chair/sessions/{session_id}")
    chair.wait_for_timeout(1800)
    shot(chair, "6-chair-session-progress")
    chair.goto(f"{base}/chair/sessions/{session_id}/kiosk")
    chair.wait_for_timeout(1500)
    shot(chair, "7-chair-kiosk")
    projector = browser.new_page(viewport={"width": 1024, "height": 768})
    projector.context.add_cookies(chair.context.cookies())
    projector.goto(f"{base}/chair/sessions/{session_id}/screen")
    shot(projector, "16-projector-live")
    with app.app_context():
        session = db.session.get(type(setup.session), session_id)
        ballots.close_session(session, by="screenshots")
        from votingapp.services import tallying
        tallying.tally_session(session, by="screenshots")
    projector.locator('[data-testid="screen-results"]').wait_for(timeout=10000)  # its poll finds the tally
    shot(projector, "17-projector-results")
    chair.goto(f"{base}/chair/sessions/{session_id}/results")
    chair.wait_for_load_state("networkidle")
    shot(chair, "8-chair-results", full_page=True)
    minutes = chair.request.get(f"{base}/chair/sessions/{session_id}/minutes.pdf")
    pdf_shot(minutes, "11-minutes-page-1")

    phone.goto(f"{base}/receipt?session={session_id}")
    phone.fill("#receipt-input", receipt[:8])
    phone.locator("form.receipt-form button[type=submit]").click()
    phone.locator("#receipt-result *").first.wait_for()
    shot(phone, "9-voter-receipt-check", full_page=True)

    auditor = browser.new_page(viewport={"width": 1280, "height": 860})
    auditor.goto(f"{base}/login")
    auditor.fill("input[name=username]", "kiem-tra")
    auditor.fill("input[name=password]", AUDITOR_PASSWORD)
    auditor.click("button.primary, button[type=submit]")
    auditor.goto(f"{base}/audit/sessions/{session_id}")
    auditor.locator("form.auditor-form button.primary").click()
    auditor.wait_for_load_state("networkidle")
    shot(auditor, "10-auditor-recount", full_page=True)
    with auditor.expect_download() as download:
        auditor.locator("form.auditor-form button:not(.primary)").click()
    bundle_file = Path(os.environ["VOTINGAPP_INSTANCE"]) / "auditor-bundle.json"
    download.value.save_as(str(bundle_file))
    print(f"auditor bundle saved: try  .venv/bin/votingapp verify {bundle_file}")

    # the yearly rating: the commune committee looks at its cells and approves SL-04's ratings
    committee = browser.new_page(viewport={"width": 1280, "height": 860})
    committee.goto(f"{base}/login")
    committee.fill("input[name=username]", grading_demo.ADMIN_USERNAME)
    committee.fill("input[name=password]", commune_password)
    committee.click("button.primary, button[type=submit]")
    committee.goto(f"{base}/grading/cycles/{cycle_id}")
    shot(committee, "12-grading-dashboard", full_page=True)
    committee.goto(f"{base}/grading/cycles/{cycle_id}/units/{sl04_id}")
    committee.locator("#rating-table a").first.click()
    committee.wait_for_load_state("networkidle")
    shot(committee, "13-grading-subject", full_page=True)
    committee.go_back()
    committee.click("#approve-unit")
    committee.wait_for_load_state("networkidle")
    shot(committee, "14-grading-unit-approved", full_page=True)
    report = committee.request.get(f"{base}/grading/cycles/{cycle_id}/report.pdf")
    pdf_shot(report, "15-grading-report")
    browser.close()
server.close()
