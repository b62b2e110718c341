"""Make baseline-0001.json: a database of revision 0001 (main at 7d913ed, before migrations)
holding a district-shaped tree and one tallied confidence session with its signed board.

Run it with the code of that commit, so the rows are what that version wrote:

    rm -rf /tmp/base && mkdir /tmp/base && git archive 7d913ed | tar -x -C /tmp/base
    PYTHONPATH=/tmp/base .venv/bin/python tests/data/migrations/make_baseline_0001.py

Every table is dumped as rows of plain JSON values (bytes as base64url, times as ISO text);
tests/integration/test_migrations.py loads them into a database upgraded to 0001 only.
"""

import base64
import datetime
import json
import sys
import tempfile
from pathlib import Path

from sqlalchemy import select

import votingapp
from votingapp.crypto import sealed
from votingapp.crypto.keywrap import new_kek
from votingapp.crypto.signing import new_signing_key
from votingapp.extensions import db
from votingapp.models import Member
from votingapp.services import ballots, meetings, tallying

OUT = Path(__file__).resolve().parent / "baseline-0001.json"
CHOICES = ["tin-nhiem-cao", "tin-nhiem", "tin-nhiem-thap", "tin-nhiem-thap", "tin-nhiem"]


def plain(value):
    if isinstance(value, bytes):
        return base64.urlsafe_b64encode(value).decode().rstrip("=")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def main():
    assert "votingapp/__init__.py" in votingapp.__file__ and "/tmp/base" in votingapp.__file__, \
        "run with PYTHONPATH pointing at the code of 7d913ed"
    kek, signing_key = new_kek(), new_signing_key()
    folder = tempfile.mkdtemp()
    app = votingapp.create_app({"SECRET_KEY": "x", "KEY_ENCRYPTION_KEY": kek, "SIGNING_KEY": signing_key,
                                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/base.db",
                                "PASSWORD_HASH_PROFILE": "cheapest"})
    with app.app_context():
        db.create_all()
        district = meetings.create_organization("HU", "Huyện ủy Sơn Hà", "huyen")
        commune = meetings.create_organization("SL", "Đảng bộ xã Sơn Lâm", "co-so", district)
        cell = meetings.create_organization("SL-01", "Chi bộ thôn Đông", "chi-bo", commune)
        people = [Member(code=f"DV0000{i}", full_name=name, organization=cell, post=post, is_leader=bool(post))
                  for i, (name, post) in enumerate([("Vũ Phương Nhung", "Bí thư chi bộ"),
                                                    ("Võ Kim Hoa", "Phó Bí thư chi bộ"),
                                                    ("Nguyễn Minh Thắng", ""), ("Nguyễn Thị Mai", ""),
                                                    ("Lê Văn Bình", ""), ("Trần Thị Lan", ""),
                                                    ("Phạm Văn Hùng", "")], start=1)]
        db.session.add_all(people)
        db.session.commit()
        meeting = meetings.create_meeting(cell, "Hội nghị kiểm điểm năm 2024", datetime.date(2024, 12, 5), by="seed")
        meetings.set_presence(meeting, [p.id for p in people[:6]], True, by="seed")
        session = ballots.create_session(meeting, kind="confidence", title="Lấy phiếu tín nhiệm",
                                         subjects=ballots.member_subjects(people[:2]), by="seed")
        ballots.open_session(session, by="seed")
        keys = [subject.key for subject in session.subjects]
        # 6 tokens, 5 choices: one token is left unused
        for token, choice in zip(ballots.issue_tokens(session, 6, mode="cli", by="seed"), CHOICES, strict=False):
            plaintext = sealed.pad_plaintext({"v": 1, "session": session.id, "choices": dict.fromkeys(keys, choice)},
                                             session.plaintext_size)
            ballots.cast_ballot(token, sealed.seal(plaintext, session.id, session.public_key).to_dict())
        ballots.close_session(session, by="seed")
        tallying.tally_session(session, by="seed", committee=["Trần Thị Một", "Lê Văn Hai"])
        session_id, tables = session.id, {}
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(select(table)).mappings().all()
            tables[table.name] = [{key: plain(value) for key, value in row.items()} for row in rows]
    document = {"made_by": "votingapp at 7d913ed (revision 0001), tests/data/migrations/make_baseline_0001.py",
                "kek": plain(kek), "signing_key": plain(signing_key), "session": session_id, "tables": tables}
    OUT.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
