"""``runyard admin …`` and ``runyard server``'s auth, as users run them: subprocesses
over a real SQLite store, and a real server process answering HTTP with keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from runyard.server.auth.accounts import Accounts


def admin(store: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNYARD_")}
    return subprocess.run(
        [sys.executable, "-m", "runyard.cli.main", "admin", *args, "--store", store],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture
def store(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'team.db'}"


def bootstrap(store: str) -> str:
    done = admin(store, "bootstrap", "--username", "root", "--password-stdin", stdin="pw-root\n")
    assert done.returncode == 0, done.stderr
    key = done.stdout.strip()
    assert key.startswith("ry_") and "\n" not in key
    assert "shown once" in done.stderr
    return key


def test_bootstrap_creates_an_admin_with_a_key(store: str) -> None:
    key = bootstrap(store)
    accounts = Accounts.open(store)
    try:
        found = accounts.authenticate_key(key)
        assert found is not None and found[0].username == "root" and found[0].is_admin
        assert accounts.login("root", "pw-root") is not None
    finally:
        accounts.close()
    again = admin(store, "bootstrap", "--username", "other")
    assert again.returncode == 1 and "has users already" in again.stderr


def test_users_teams_members_keys(store: str) -> None:
    bootstrap(store)
    assert admin(store, "create-user", "--username", "alice").returncode == 0
    taken = admin(store, "create-user", "--username", "alice")
    assert taken.returncode == 1 and "'alice' is taken" in taken.stderr
    assert admin(store, "create-team", "--name", "vision", "--owner", "alice").returncode == 0
    assert admin(store, "create-user", "--username", "bob").returncode == 0
    assert admin(store, "add-member", "--team", "vision", "--username", "bob").returncode == 0
    missing = admin(store, "add-member", "--team", "nope", "--username", "bob")
    assert missing.returncode == 1 and "no team 'nope'" in missing.stderr
    made = admin(store, "create-key", "--username", "bob", "--name", "ci")
    assert made.returncode == 0
    key = made.stdout.strip()
    password = admin(store, "set-password", "--username", "bob", stdin="bob-pw\n")
    assert password.returncode == 0, password.stderr
    accounts = Accounts.open(store)
    try:
        found = accounts.authenticate_key(key)
        assert found is not None and found[0].username == "bob"
        assert accounts.memberships(found[0].id) == {"bob": "admin", "vision": "member"}
        assert accounts.login("bob", "bob-pw") is not None
        (record,) = accounts.list_keys("bob")
    finally:
        accounts.close()
    revoked = admin(store, "revoke-key", "--prefix", record.prefix)
    assert revoked.returncode == 0, revoked.stderr
    accounts = Accounts.open(store)
    try:
        assert accounts.authenticate_key(key) is None
    finally:
        accounts.close()
    assert admin(store, "revoke-key", "--id", "999").returncode == 1
    bad = admin(store, "create-user", "--username", "../etc")
    assert bad.returncode == 1 and "invalid user name" in bad.stderr


def serve(tmp_path: Path, store: str, *flags: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNYARD_")}
    env["RUNYARD_DIR"] = str(tmp_path / "home")
    blobs = f"file://{tmp_path / 'blobs'}"
    command = [sys.executable, "-m", "runyard.cli.main", "server", "--port", "0", "--store", store]
    command += ["--blobs", blobs, *flags]
    return subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def server(tmp_path: Path, store: str) -> Iterator[tuple[str, str]]:
    key = bootstrap(store)
    with serve(tmp_path, store) as proc:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("Runyard UI: http://"), line + (
            proc.stderr.read() if proc.stderr else ""
        )
        try:
            yield line.split()[-1], key
        finally:
            proc.terminate()
            proc.communicate(timeout=30)


def get(url: str, key: str | None = None) -> tuple[int, object]:
    request = urllib.request.Request(url)
    if key is not None:
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_server_has_auth_on_by_default(server: tuple[str, str]) -> None:
    url, key = server
    assert get(url + "api/v1/auth/me")[0] == 401
    assert get(url + "api/v1/projects/root/p/runs")[0] == 401
    assert get(url + "api/v1/projects/root/p/runs", "ry_000000000000_wrong")[0] == 401
    status, me = get(url + "api/v1/auth/me", key)
    assert status == 200 and isinstance(me, dict) and me["user"]["username"] == "root"
    assert get(url + "api/v1/projects/root/p/runs", key)[0] == 200


def test_no_auth_warns(tmp_path: Path, store: str) -> None:
    bootstrap(store)
    with serve(tmp_path, store, "--no-auth") as proc:
        assert proc.stdout is not None and proc.stderr is not None
        line = proc.stdout.readline()
        try:
            url = line.split()[-1]
            assert get(url + "api/v1/projects/root/p/runs")[0] == 200
        finally:
            proc.terminate()
            _, err = proc.communicate(timeout=30)
    assert "WARNING: --no-auth" in err
