"""`python -m votingapp.serve`: what scripts/serve runs. Upgrades the database to the latest
migration, makes the first admin, says which addresses the chair and the phones should open
(and which one the QR codes will carry), then serves with gunicorn: WORKERS processes (one on
SQLite), each THREADS threads (gthread). A bad or busy port, or a setting that cannot work, is
one bilingual line and exit status 2.

Why gunicorn and not waitress, which served here before: waitress's loop looks at every open
connection each time any one is ready, so with 500 phones each holding one the server spent
15-30 ms of CPU per cast on SQLite; gthread waits on epoll and cost 1.1-1.6 ms at 50 to 500
(docs/deploy.md, "What a cast costs")."""

from __future__ import annotations

import os
import resource
import socket
import sys
from contextlib import contextmanager
from urllib.parse import urlsplit

from gunicorn.app.base import BaseApplication

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
#: open connections held at once, per worker: every phone in the hall keeps one alive (waitress's
#: default, 100, once left a new voter waiting behind 400 idle phones); CONNECTION_LIMIT overrides
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


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound now, so a busy or forbidden port is said before anything is
    printed as served; gunicorn then serves on it (bind fd://)."""
    try:
        return socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET,
                                    backlog=2048)
    except OSError as error:
        # the system's reason is English only: the Vietnamese leaves it out
        raise SettingError(bilingual(N_("Cannot listen on %(host)s:%(port)s (%(reason)s); is another server "
                                        "running? Choose another PORT", host=host, port=port,
                                        reason=error.strerror or error))) from None


class Server(BaseApplication):
    """gunicorn configured here rather than on a command line: it serves on a socket bound
    beforehand, and each worker process makes its own app (nothing opened before the fork, a
    database connection least of all, is shared)."""

    def __init__(self, listener: socket.socket, *, workers: int = 1, threads: int = 16,
                 connection_limit: int = int(CONNECTION_LIMIT), channel_timeout: int = int(CHANNEL_TIMEOUT)):
        self.settings = {
            "bind": [f"fd://{listener.fileno()}"], "workers": workers, "worker_class": "gthread",
            "threads": threads, "worker_connections": connection_limit, "keepalive": channel_timeout,
            "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
            "proc_name": "votingapp", "loglevel": "warning",
        }
        self.listener = listener
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.settings.items():
            self.cfg.set(name, value)

    def load(self):
        return create_app(create_instance=False)

    def run(self) -> None:
        self.listener.detach()  # gunicorn's listener takes the descriptor over (and closes it)
        super().run()


def settings(database_url: str) -> dict:
    """The serving settings of the environment, checked (SettingError names the one that is wrong)."""
    workers = whole_setting("WORKERS", "1", 1, 64)
    if workers > 1 and database_url.startswith("sqlite"):
        raise SettingError(bilingual(N_("WORKERS=%(workers)s needs DATABASE_URL=postgresql://... (SQLite serves "
                                        "one process)", workers=workers)))
    return {"workers": workers, "threads": whole_setting("THREADS", "16", 1, 512),
            "connection_limit": whole_setting("CONNECTION_LIMIT", CONNECTION_LIMIT, 10, 100_000),
            "channel_timeout": whole_setting("CHANNEL_TIMEOUT", CHANNEL_TIMEOUT, 5, 3600)}


def main() -> None:
    try:
        host = os.environ.get("HOST", "0.0.0.0").strip() or "0.0.0.0"
        port = whole_setting("PORT", "8000", 1, 65535)
        app = create_app()
        serving = settings(app.config["SQLALCHEMY_DATABASE_URI"])
        allow_open_files(serving["connection_limit"])
        listener = listen(host, port)
    except (SettingError, InstanceError) as error:
        print(error, file=sys.stderr)
        sys.exit(EXIT_SETTING)
    with app.app_context():
        admin_password = prepare_database()
        db.session.remove()
        db.engine.dispose()  # the workers open their own connections
    print(banner(host, port, admin_password), flush=True)
    Server(listener, **serving).run()


if __name__ == "__main__":
    main()
