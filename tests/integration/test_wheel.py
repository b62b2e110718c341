"""The app works installed from a built wheel: templates, static files, fonts, translations
and migrations travel inside the package, not only in the source tree."""

import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out)], check=True, capture_output=True)
    return next(out.glob("votingapp-*.whl"))


def test_wheel_carries_templates_static_and_translations(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in ("votingapp/templates/base.html", "votingapp/templates/voter/ballot.html",
                     "votingapp/static/vendor/htmx.min.js", "votingapp/static/js/sealed.bundle.js",
                     "votingapp/static/js/verifiable-seal.bundle.js",
                     "votingapp/static/fonts/DejaVuSans.ttf",
                     "votingapp/translations/vi/LC_MESSAGES/messages.mo",
                     "votingapp/migrations/env.py", "votingapp/migrations/alembic.ini",
                     "votingapp/migrations/script.py.mako", "votingapp/migrations/versions/0001_baseline.py"):
        assert required in names, f"{required} missing from the wheel"
    assert not any("node_modules" in name or "/tests/" in name for name in names)


def test_app_from_unpacked_wheel_serves_pages_and_static(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(site)!r})
        os.chdir({str(tmp_path)!r})
        import votingapp
        assert votingapp.__file__.startswith({str(site)!r}), votingapp.__file__
        from votingapp.crypto.keywrap import new_kek
        app = votingapp.create_app({{"SECRET_KEY": "x", "KEY_ENCRYPTION_KEY": new_kek(),
                                     "SQLALCHEMY_DATABASE_URI": "sqlite:///{tmp_path / 'w.db'}"}})
        assert app.template_folder.startswith({str(site)!r})
        from votingapp.schema import upgrade_database
        with app.app_context():
            print(upgrade_database()[-1])  # the migrations inside the wheel make the schema
        client = app.test_client()
        for path in ("/v", "/login", "/static/vendor/htmx.min.js", "/static/js/sealed.bundle.js",
                     "/static/js/verifiable-seal.bundle.js"):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
        assert "Đăng nhập" in client.get("/login").get_data(as_text=True)
        import re
        page = client.get("/v").get_data(as_text=True)
        script = re.search(r'<script src="(/static/js/verifiable-seal.bundle.js\\?v=[0-9a-f]+)"', page).group(1)
        response = client.get(script, headers={{"Accept-Encoding": "gzip"}})
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable", response.headers
        assert response.headers["Content-Encoding"] == "gzip", response.headers
        print("wheel ok")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "VOTINGAPP_INSTANCE": str(tmp_path / "instance")})
    assert result.returncode == 0, result.stderr
    assert "wheel ok" in result.stdout and "(upgraded from empty)" in result.stdout
