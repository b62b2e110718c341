"""`python -m votingapp.serve`: what scripts/serve runs. Upgrades the database to the latest
migration, makes the first admin, says which addresses the chair and the phones should open,
then serves with waitress (multi-threaded; several casts at once queue on the database, not on
the server)."""

from __future__ import annotations

import os

from waitress import serve

from . import create_app
from .extensions import db
from .netinfo import lan_addresses
from .schema import upgrade_database
from .services import accounts

ADMIN_USERNAME = "admin"


def ensure_admin() -> str | None:
    """Create the first admin when there is none; returns its password, to be shown once."""
    if accounts.has_admin():
        return None
    password = accounts.new_password()
    accounts.create_user(ADMIN_USERNAME, password, "admin", by="serve")
    return password


def banner(host: str, port: int, admin_password: str | None) -> str:
    lines = [""]
    if admin_password:
        lines += [f"First admin created / Đã tạo quản trị viên đầu tiên: {ADMIN_USERNAME} / {admin_password}",
                  "  (shown only now; reset with / đặt lại bằng: .venv/bin/votingapp set-password admin)", ""]
    lines.append(f"Chair (this computer) / Chủ trì:  http://127.0.0.1:{port}/login")
    if host in ("127.0.0.1", "localhost"):
        lines.append(f"Phones cannot reach HOST={host}; run with HOST=0.0.0.0 for the meeting-hall LAN.")
    else:
        phones = [f"http://{address}:{port}/v" for address in lan_addresses()]
        lines.append("Phones (same Wi-Fi) / Điện thoại:  " + ("  ".join(phones) or "(no LAN address found)"))
        if phones and not os.environ.get("VOTINGAPP_PUBLIC_URL"):
            lines.append(f"So that printed QR codes carry the LAN address: "
                         f"export VOTINGAPP_PUBLIC_URL={phones[0].removesuffix('/v')}")
    lines.append("Stop with Ctrl+C / Dừng: Ctrl+C")
    return "\n".join(lines)


def main() -> None:
    host, port = os.environ.get("HOST", "0.0.0.0"), int(os.environ.get("PORT", "8000"))
    threads = int(os.environ.get("THREADS", "16"))
    app = create_app()
    with app.app_context():
        print(f"Database / Cơ sở dữ liệu: {db.engine.url.render_as_string(hide_password=True)}")
        for line in upgrade_database():
            print(f"  {line}")
        admin_password = ensure_admin()
    print(banner(host, port, admin_password), flush=True)
    serve(app, host=host, port=port, threads=threads, ident="votingapp")


if __name__ == "__main__":
    main()
