"""`python -m votingapp.serve`: what scripts/serve runs. Upgrades the database to the latest
migration, makes the first admin, says which addresses the chair and the phones should open
(and which one the QR codes will carry), then serves with waitress (multi-threaded; several
casts at once queue on the database, not on the server). A bad or busy port is one bilingual
line and exit status 2."""

from __future__ import annotations

import os
import resource
import sys
from contextlib import contextmanager
from urllib.parse import urlsplit

from waitress import create_server

from . import create_app
from .catalog import N_, bilingual
from .config import InstanceError
from .extensions import db
from .netinfo import is_loopback, lan_addresses
from .schema import upgrade_database
from .services import accounts

ADMIN_USERNAME = "admin"
#: exit status for a setting the chair must fix (as argparse and click use for usage errors)
EXIT_SETTING = 2
#: open connections held at once: every phone in the hall keeps one alive (waitress's default,
#: 100, left a new voter waiting behind 400 idle phones); CONNECTION_LIMIT overrides
CONNECTION_LIMIT = "1000"
#: seconds a connection may sit idle before it is closed (a phone that went to sleep);
#: CHANNEL_TIMEOUT overrides
CHANNEL_TIMEOUT = "60"


#: the headings of what the server prints, each as "English / Tiếng Việt"
DATABASE = N_("Database")
FIRST_ADMIN = N_("First admin created")
RESET_WITH = N_("reset with")
CHAIR_ADDRESS = N_("Chair (this computer)")
PHONE_ADDRESSES = N_("Phones (same Wi-Fi)")
QR_ADDRESS = N_("QR codes carry")
WARNING = N_("WARNING")


class SettingError(Exception):
    """A setting of the environment that cannot work; the message is one bilingual line."""


#: pg_advisory_lock key: one process at a time upgrades the database and makes the first admin
UPGRADE_LOCK = 0x766F7465  # "vote"


@contextmanager
def one_process_at_a_time():
    """On PostgreSQL, several servers (workers, hosts) may start together: hold an advisory
    lock while one upgrades, the others wait and then find nothing to do."""
    if db.engine.dialect.name != "postgresql":
        yield
        return
    from sqlalchemy import text
    with db.engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": UPGRADE_LOCK})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": UPGRADE_LOCK})
            connection.commit()


def prepare_database() -> str | None:
    """Upgrade to the latest migration and make the first admin, once however many start;
    returns the new admin's password, if one was made."""
    with one_process_at_a_time():
        print(f"{bilingual(DATABASE)}: {db.engine.url.render_as_string(hide_password=True)}")
        for line in upgrade_database():
            print(f"  {line}")
        return ensure_admin()


def ensure_admin() -> str | None:
    """Create the first admin when there is none; returns its password, to be shown once."""
    if accounts.has_admin():
        return None
    password = accounts.new_password()
    accounts.create_user(ADMIN_USERNAME, password, "admin", by="serve")
    return password


def whole_setting(name: str, default: str, low: int, high: int) -> int:
    raw = os.environ.get(name, default).strip()
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise SettingError(bilingual(N_("%(name)s=%(raw)r is not a whole number from %(low)s to %(high)s",
                                        name=name, raw=raw, low=low, high=high)))
    return value


def qr_base_url(host: str, port: int, public_url: str, addresses: list[str]) -> str:
    """The base URL the QR codes will carry when the chair opens http://127.0.0.1:PORT:
    PUBLIC_URL when set, else the first LAN address (as web.common.public_base_url does),
    else loopback, which no phone can open."""
    if public_url:
        return public_url.rstrip("/")
    if is_loopback(host) or not addresses:
        return f"http://127.0.0.1:{port}"
    return f"http://{addresses[0]}:{port}"


def banner(host: str, port: int, admin_password: str | None, addresses: list[str] | None = None,
           public_url: str | None = None) -> str:
    addresses = lan_addresses() if addresses is None else addresses
    public_url = os.environ.get("VOTINGAPP_PUBLIC_URL", "") if public_url is None else public_url
    lines = [""]
    if admin_password:
        lines += [f"{bilingual(FIRST_ADMIN)}: {ADMIN_USERNAME} / {admin_password}",
                  f"  (shown only now; {bilingual(RESET_WITH)}: .venv/bin/votingapp set-password admin)", ""]
    lines.append(f"{bilingual(CHAIR_ADDRESS)}:  http://127.0.0.1:{port}/login")
    if is_loopback(host):
        lines.append(bilingual(N_("Phones cannot reach HOST=%(host)s; run with HOST=0.0.0.0 for the meeting-hall LAN",
                                  host=host)))
    else:
        phones = [f"http://{address}:{port}/v" for address in addresses]
        lines.append(f"{bilingual(PHONE_ADDRESSES)}:  " + ("  ".join(phones) or "(no LAN address found)"))
    qr = qr_base_url(host, port, public_url, addresses)
    lines.append(f"{bilingual(QR_ADDRESS)}:  {qr}/v")
    if is_loopback(urlsplit(qr).hostname or ""):
        lines.append(f"  {bilingual(WARNING)}: " + bilingual(N_(
            "phones cannot open this address; join the meeting Wi-Fi or set VOTINGAPP_PUBLIC_URL")))
    lines.append(bilingual(N_("Stop with Ctrl+C")))
    return "\n".join(lines)


def allow_open_files(connections: int) -> None:
    """Each connection is a file descriptor: raise the soft limit toward the hard one, so that
    CONNECTION_LIMIT phones fit (many systems start at 1024)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + 256  # the database, the log, the listening socket, templates...
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted if hard == resource.RLIM_INFINITY else min(wanted, hard),
                                                    hard))


def make_server(app, host: str, port: int, threads: int, connection_limit: int = int(CONNECTION_LIMIT),
                channel_timeout: int = int(CHANNEL_TIMEOUT)):
    """Bind now, so a busy or forbidden port is reported before anything is printed as served.
    poll() rather than select(), which cannot watch a descriptor numbered past 1023."""
    allow_open_files(connection_limit)
    try:
        return create_server(app, host=host, port=port, threads=threads, ident="votingapp",
                             connection_limit=connection_limit, channel_timeout=channel_timeout,
                             asyncore_use_poll=True)
    except OSError as error:
        # the system's reason is English only: the Vietnamese leaves it out
        raise SettingError(bilingual(N_("Cannot listen on %(host)s:%(port)s (%(reason)s); is another server "
                                        "running? Choose another PORT", host=host, port=port,
                                        reason=error.strerror or error))) from None


def main() -> None:
    try:
        host = os.environ.get("HOST", "0.0.0.0").strip() or "0.0.0.0"
        port = whole_setting("PORT", "8000", 1, 65535)
        threads = whole_setting("THREADS", "16", 1, 512)
        connection_limit = whole_setting("CONNECTION_LIMIT", CONNECTION_LIMIT, 10, 100_000)
        channel_timeout = whole_setting("CHANNEL_TIMEOUT", CHANNEL_TIMEOUT, 5, 3600)
        app = create_app()
        server = make_server(app, host, port, threads, connection_limit, channel_timeout)
    except (SettingError, InstanceError) as error:
        print(error, file=sys.stderr)
        sys.exit(EXIT_SETTING)
    with app.app_context():
        admin_password = prepare_database()
    print(banner(host, port, admin_password), flush=True)
    if "--prepare-only" in sys.argv[1:]:  # scripts/serve with WORKERS: gunicorn serves next
        server.close()
        return
    server.run()


if __name__ == "__main__":
    main()
