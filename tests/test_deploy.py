"""The production settings documented in the README, checked for real.

Each test starts a fresh process with only the documented environment, so
what runs here is what an operator gets from copying the README.
"""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")


def production_env(tmp_path: Path) -> dict[str, str]:
    """The environment of README "Running in production", nothing more."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "leads.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://leads.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/15",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "BEHIND_TLS_PROXY": "true",
        "SECURE_SSL_REDIRECT": "true",
        "SESSION_COOKIE_SECURE": "true",
        "CSRF_COOKIE_SECURE": "true",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
        "SECURE_HSTS_PRELOAD": "true",
    }


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_passes_without_warnings_in_production_env(tmp_path):
    result = manage(
        production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING"
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
    assert "WARNING" not in result.stderr


def test_deploy_check_fails_with_the_built_in_secret_key(tmp_path):
    env = production_env(tmp_path)
    del env["SECRET_KEY"]

    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_deploy_check_fails_when_debug_is_left_on(tmp_path):
    env = production_env(tmp_path) | {"DEBUG": "true"}

    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode != 0
    assert "security.W018" in result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(port: int, path: str, headers: dict[str, str]):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        headers={"Host": "leads.example.com", **headers},
    )
    opener = urllib.request.build_opener(NoRedirect)
    try:
        response = opener.open(request, timeout=10)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        response.read()
    return response


@pytest.fixture
def gunicorn_server(tmp_path):
    """gunicorn with two workers and the production environment."""
    env = production_env(tmp_path)
    migrated = manage(env, "migrate", "--noinput", "--verbosity", "0")
    assert migrated.returncode == 0, migrated.stderr
    port = free_port()
    server = subprocess.Popen(
        [
            str(GUNICORN),
            "adversus.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=20)
        server.stderr.close()


def test_plain_http_through_the_proxy_is_redirected_to_https(gunicorn_server):
    response = fetch(gunicorn_server, "/accounts/login/", {"X-Forwarded-Proto": "http"})

    assert response.status == 301
    assert response.headers["Location"] == "https://leads.example.com/accounts/login/"


def test_https_through_the_proxy_serves_hardened_pages(gunicorn_server):
    response = fetch(
        gunicorn_server, "/accounts/login/", {"X-Forwarded-Proto": "https"}
    )

    assert response.status == 200
    headers = response.headers
    assert "max-age=31536000" in headers["Strict-Transport-Security"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    cookie = headers["Set-Cookie"]
    assert "csrftoken=" in cookie
    assert "Secure" in cookie


def test_unknown_host_is_refused(gunicorn_server):
    response = fetch(
        gunicorn_server,
        "/accounts/login/",
        {"X-Forwarded-Proto": "https", "Host": "evil.example.net"},
    )

    assert response.status == 400


def test_static_files_are_served_without_debug(gunicorn_server):
    response = fetch(
        gunicorn_server, "/static/css/app.css", {"X-Forwarded-Proto": "https"}
    )

    assert response.status == 200
    assert "text/css" in response.headers["Content-Type"]
