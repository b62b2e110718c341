"""A whole verifiable-v1 meeting in headless Chromium against the real WSGI server, every step
through the pages a person uses (issue 13's "Done when"): the chair creates the meeting, marks
attendance, creates the session (verifiable-v1 by default), opens it with a 2-of-3 committee
key and prints the ballot cards; phones scan their card's QR code and vote, one of them checks
a ballot first (it is spoiled and published) and then casts a fresh one; the chair closes; two
of the three members decrypt the totals on their own phones; the chair counts and the results
are the marks cast. Then anyone downloads the public bundle from the public board and
`votingapp verify` checks it offline, in an empty folder, and opens the spoiled ballot to the
choices its phone showed.

Secrecy: the test knows the marks because it clicks them; it never prints them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from playwright.sync_api import expect

from ..helpers import PASSWORD
from .conftest import (
    LABEL_VI,
    TALL_PHONE,
    card_qr_texts,
    choose_on_phone,
    log_in,
    new_phone,
    screenshot,
    seal_on_phone,
    send_shown_ballot,
    wait_for_screen,
)

pytestmark = pytest.mark.browser

HIGH, MIDDLE, LOW = "tin-nhiem-cao", "tin-nhiem", "tin-nhiem-thap"
#: each phone's marks, one per person on the ballot (the two leaders, in ballot order); the
#: second phone checks a ballot before it casts. One card of the four printed stays unused.
MARKS = [(HIGH, LOW), (MIDDLE, LOW), (HIGH, HIGH)]
CHECKER = 1
MEMBERS = [("DV00001", "Vũ Phương Nhung", "Bí thư chi bộ"), ("DV00002", "Võ Kim Hoa", "Phó Bí thư chi bộ"),
           ("DV00003", "Nguyễn Minh Thắng", ""), ("DV00004", "Nguyễn Thị Mai", "")]
HOLDERS = ["Nguyễn Thị Hoa", "Trần Văn Bình", "Lê Văn Cường"]
DONE = "[data-screen=done]:not([hidden])"
VERIFY = Path(sys.executable).with_name("votingapp")


def saved_download(page, click, folder: Path) -> Path:
    """Click, and keep the file the browser downloads under its own name in `folder`."""
    with page.expect_download() as info:
        click()
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    return path


def chair_sets_up_the_meeting(page, cell) -> str:
    """Meeting, attendance, session: returns the new session's id."""
    page.click("text=Hội nghị mới")
    page.select_option("select[name=organization]", str(cell.id))
    page.fill("input[name=title]", "Hội nghị kiểm điểm, đánh giá năm 2026")
    page.fill("input[name=held_on]", "2026-12-05")
    page.click("button.primary")
    expect(page.locator("#summoned-count")).to_have_text(str(len(MEMBERS)))
    page.click("#mark-all-present")
    expect(page.locator("#present-count")).to_have_text(str(len(MEMBERS)))

    form = page.locator("form.session-form")
    expect(form.locator("input[name=member_id]:checked")).to_have_count(2)  # the two leaders
    assert form.locator("input[name=scheme]:checked").get_attribute("value") == "verifiable-v1", \
        "verifiable-v1 is the default scheme"
    form.locator("input[name=title]").fill("Lấy phiếu tín nhiệm lãnh đạo chi bộ năm 2026")
    form.locator("button.primary").click()
    page.wait_for_url(re.compile(r".*/chair/sessions/[0-9a-f-]+$"))
    return page.url.rsplit("/", 1)[1]


def chair_opens_with_a_committee_key(page, folder: Path) -> list[str]:
    """Open with a 2-of-3 committee key: returns the member page URL of each share card's QR."""
    page.click("details.committee-open > summary")
    form = page.locator("form.committee-open-form")
    form.locator("input[name=threshold]").fill("2")
    form.locator("input[name=holders]").fill("3")
    form.locator("textarea[name=names]").fill("\n".join(HOLDERS))
    cards = saved_download(page, form.locator("button.primary").click, folder)
    page.wait_for_selector("#session-state.state-open", timeout=15000)
    return [texts[0] for texts in card_qr_texts(str(cards))]


def chair_prints_ballot_cards(page, count: int, folder: Path) -> list[str]:
    """The printed cards, read back by a QR scanner: one voter URL per card."""
    form = page.locator("form.cards-form")
    form.locator("input[name=count]").fill(str(count))
    cards = saved_download(page, form.locator("button.primary").click, folder)
    return [text for texts in card_qr_texts(str(cards)) for text in texts]


def subject_names(phone) -> list[str]:
    return phone.locator("#subjects .subject .who .name").all_inner_texts()


def shown_choices(phone, screen_list: str) -> list[tuple[str, str]]:
    """(person, choice) pairs of a summary list the phone shows (confirm or checked screen)."""
    rows = phone.locator(f"{screen_list} li")
    return [(row.locator(".name").inner_text(), row.locator(".summary-choice").inner_text())
            for row in rows.all()]


def phone_votes(phone, url: str, marks: tuple[str, ...], *, check_first: bool) -> dict:
    """What a voter does with a card: scan, mark, seal, (check, seal again,) cast. Returns the
    names on the ballot, the receipt and, for a checked ballot, its code and shown choices."""
    phone.goto(url)
    wait_for_screen(phone, "ballot")
    names = subject_names(phone)
    choose_on_phone(phone, marks)
    chosen = shown_choices(phone, "#summary")
    assert chosen == [(name, LABEL_VI[option]) for name, option in zip(names, marks, strict=True)]
    code = seal_on_phone(phone)  # Mã hóa lá phiếu: sealed on the phone
    voted: dict = {"names": names}
    if check_first:
        phone.get_by_role("button", name="Kiểm tra lá phiếu này").click()
        wait_for_screen(phone, "checked")
        assert phone.locator("#checked-code").inner_text() == code
        assert phone.locator("#checked-warning").is_hidden(), "the server opened what the phone sealed"
        voted["checked"] = code, shown_choices(phone, "#checked-choices")
        assert voted["checked"][1] == chosen
        assert phone.locator("#checked-command").inner_text() == f"votingapp verify --spoiled {code}"
        phone.locator("#checked-again").click()  # Mã hóa lá phiếu mới: a fresh ballot, a new code
        wait_for_screen(phone, "code")
        assert phone.locator("#code-short").inner_text() != code
    voted["receipt"] = send_shown_ballot(phone)  # Gửi phiếu
    return voted


def results_table(page) -> dict[str, dict[str, int]]:
    """Per person on the results page: each level's count, by option id."""
    by_label = {label: option for option, label in LABEL_VI.items()}
    table = {}
    for row in page.locator("table.results-table:not(.compact) tbody tr").all():
        name = row.locator("th[scope=row]").inner_text().splitlines()[0].strip()
        cells = row.locator("td.num").all()
        table[name] = {by_label[cell.get_attribute("data-label")]: int(cell.locator(".count").inner_text())
                       for cell in cells if cell.get_attribute("data-label") in by_label}
    return table


@cache
def network_is_cut_off() -> list[str]:
    """`unshare -rn`: the command runs in a network namespace of its own with no interface up,
    so it could not reach this server or any other. Where user namespaces are off, nothing."""
    if not shutil.which("unshare"):
        return []
    probe = subprocess.run(["unshare", "-rn", "true"], capture_output=True, check=False)
    return ["unshare", "-rn"] if probe.returncode == 0 else []


def verify_offline(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """`votingapp verify` as an auditor runs it on their own machine: in `folder`, with no
    instance folder and no database URL in its environment, and no network."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("VOTINGAPP_", "DATABASE_URL"))}
    env["VOTINGAPP_INSTANCE"] = str(folder / "no-such-instance")  # must not be created
    before = sorted(folder.iterdir())
    result = subprocess.run([*network_is_cut_off(), str(VERIFY), "verify", *args], cwd=folder, env=env,
                            capture_output=True, text=True, timeout=180, check=False)
    assert sorted(folder.iterdir()) == before, "verify writes nothing beside the bundle"
    return result


@pytest.fixture
def cell(make):
    """A commune committee and a cell of four members, two of them leaders; its chair."""
    top = make.organization(code="HU", name="Huyện ủy Sơn Hà", level="huyen")
    commune = make.organization(code="SL", name="Đảng bộ xã Sơn Lâm", level="co-so", parent=top)
    cell = make.organization(code="SL-01", name="Chi bộ thôn Đông", parent=commune)
    for code, name, post in MEMBERS:
        make.member(cell, code=code, full_name=name, post=post, is_leader=bool(post))
    make.user(role="chair", organization=commune, username="chutri")
    return cell


def test_a_whole_verifiable_meeting_from_the_chair_and_phones_to_an_offline_verify(
        app, browser, laptop, live_server, cell, tmp_path):
    app.config["PUBLIC_URL"] = live_server  # what the cards' QR codes open (a LAN address in a hall)
    downloads = tmp_path / "chair-downloads"
    downloads.mkdir()
    page = laptop

    # 1. the chair: meeting, attendance, session; open with a 2-of-3 key; print four cards
    log_in(page, live_server, "chutri", PASSWORD)
    session_id = chair_sets_up_the_meeting(page, cell)
    member_urls = chair_opens_with_a_committee_key(page, downloads)
    assert [url.split("#")[0] for url in member_urls] == [f"{live_server}/member/{session_id}"] * 3
    voter_urls = chair_prints_ballot_cards(page, len(MEMBERS), downloads)
    assert len(set(voter_urls)) == len(MEMBERS)
    assert all(re.fullmatch(rf"{re.escape(live_server)}/v#[0-9A-Z-]+", url) for url in voter_urls)

    # 2. phones vote; one checks a ballot, sees its choices, and casts a fresh one
    voted = []
    for number, (url, marks) in enumerate(zip(voter_urls, MARKS, strict=False)):
        with new_phone(browser) as phone:
            voted.append(phone_votes(phone, url, marks, check_first=number == CHECKER))
        expect(page.locator("[data-testid=voted]")).to_have_text(str(number + 1), timeout=15000)
    names = voted[0]["names"]
    assert len(names) == 2 and all(v["names"] == names for v in voted)
    spoiled_code, spoiled_choices = voted[CHECKER]["checked"]
    receipts = sorted(v["receipt"] for v in voted)

    # 3. the chair closes; members 1 and 3 scan their cards on their own phones
    page.click("details.close-confirm > summary")
    page.click("details.close-confirm button.danger")
    page.wait_for_selector("#session-state.state-closed")
    assert page.locator("#tally-button").is_disabled(), "no count before k members have decrypted"
    for url, picture in ((member_urls[0], "verifiable-member-sent"), (member_urls[2], "verifiable-member-enough")):
        with new_phone(browser, **TALL_PHONE) as member:
            member.goto(url)
            member.wait_for_selector(DONE, timeout=30000)
            assert "#share=" not in member.url, "the share is wiped from the address bar"
            screenshot(member, picture)
    page.wait_for_selector("#tally-button:not([disabled])", timeout=15000)  # the poll saw them come in
    assert [page.locator(f"[data-member='{n}'] .badge.ok").count() for n in (1, 2, 3)] == [1, 0, 1]

    # 4. the chair counts: the results are the marks cast
    for slot, name in zip(page.locator("input[name=committee]").all(), HOLDERS, strict=True):
        slot.fill(name)
    page.click("#tally-button")
    page.wait_for_url(re.compile(r".*/results$"))
    expected = {name: {option: 0 for option in LABEL_VI} for name in names}
    for marks in MARKS:
        for name, option in zip(names, marks, strict=True):
            expected[name][option] += 1
    assert results_table(page) == expected
    board_url = live_server + page.locator(f"a[href='/board/{session_id}']").first.get_attribute("href")

    # 5. anyone: the public board lists every receipt and the checked ballot, opened
    with new_phone(browser, 1280, 800) as public:
        public.goto(board_url)
        assert public.locator(".receipt-list li code").all_inner_texts() == receipts
        spoiled = public.locator(f"#s-{spoiled_code}")
        assert spoiled.count() == 1 and public.locator(".spoiled-list li").count() == 1
        assert list(zip(spoiled.locator("dt").all_inner_texts(), spoiled.locator("dd").all_inner_texts(),
                        strict=True)) == spoiled_choices, "the board opens it to what the phone showed"
        signing_key = public.locator(".audit-key .key-value code").inner_text().strip()
        auditor = tmp_path / "auditor"
        auditor.mkdir()
        bundle = saved_download(public, public.locator("a[download][href$='/bundle']").click, auditor)
    assert [path.name for path in auditor.iterdir()] == [bundle.name]

    # 6. the auditor's machine: verify offline, then open the spoiled ballot by its code
    result = verify_offline(auditor, bundle.name, "--signing-key", signing_key, "--receipt", receipts[0][:8])
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "ALL CHECKS PASSED"
    for check in ("ballot_proofs", "spoiled", "decryption", "receipt", "tally_matches_board"):
        assert any(line.startswith(f"✓ {check}:") for line in lines), check
    assert "✓ decryption: members 1, 3 (k = 2)" in result.stdout

    opened = verify_offline(auditor, "--spoiled", spoiled_code, "--json", "--signing-key", signing_key, bundle.name)
    assert opened.returncode == 0, opened.stdout + opened.stderr
    report = json.loads(opened.stdout)
    assert report["spoiled"]["receipt"].startswith(spoiled_code) and not report["spoiled"]["blank"]
    assert [(c["name"], c["label"]) for c in report["spoiled"]["choices"]] == spoiled_choices
    assert report["spoiled"]["receipt"] not in receipts, "a checked ballot is never counted"
