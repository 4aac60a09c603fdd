"""`Accounts` on SQLite and PostgreSQL: users, teams, members, keys, sessions, visibility."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from runyard.server.auth.accounts import AccountError, Accounts
from runyard.server.auth.tokens import hash_token, parse_api_key, verify_password


@pytest.fixture(params=["sqlite", "postgresql"])
def accounts(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Accounts]:
    if request.param == "sqlite":
        uri = f"sqlite:///{tmp_path / 'runyard.db'}"
    else:
        uri = request.getfixturevalue("postgres_uri")
    opened = Accounts.open(uri)
    yield opened
    opened.close()


def test_user_gets_own_entity_as_admin(accounts: Accounts) -> None:
    user = accounts.create_user("alice", "pw-alice")
    assert user.username == "alice" and not user.is_admin
    assert accounts.memberships(user.id) == {"alice": "admin"}
    assert accounts.role(user.id, "alice") == "admin"
    assert accounts.role(user.id, "bob") is None
    assert accounts.count_users() == 1


def test_names_are_unique_across_users_and_teams(accounts: Accounts) -> None:
    accounts.create_user("alice")
    with pytest.raises(AccountError, match="'alice' is taken") as taken:
        accounts.create_team("alice")
    assert taken.value.status == 409
    accounts.create_team("vision", owner="alice")
    with pytest.raises(AccountError, match="'vision' is taken"):
        accounts.create_user("vision")


def test_names_differing_only_by_case_are_one_name(accounts: Accounts) -> None:
    """``Alice`` would pass for ``alice`` (and share her directory on a file system
    that ignores case)."""
    accounts.create_user("alice")
    with pytest.raises(AccountError, match=r"'Alice' is taken .*'alice'") as taken:
        accounts.create_team("Alice")
    assert taken.value.status == 409
    with pytest.raises(AccountError, match="'ALICE' is taken"):
        accounts.create_user("ALICE")
    accounts.create_user("alice.b")  # a dot inside a name is fine


@pytest.mark.parametrize(
    "name", ["", "../x", "a/b", "-dash", "x" * 129, "sp ace", "nul\0", "alice.", "a..", ".", ".."]
)
def test_bad_names_are_refused_with_the_name(accounts: Accounts, name: str) -> None:
    with pytest.raises(AccountError, match="invalid user name"):
        accounts.create_user(name)


def test_passwords_are_scrypt_hashed_and_checked(accounts: Accounts) -> None:
    accounts.create_user("alice", "correct horse")
    assert accounts.login("alice", "correct horse") is not None
    assert accounts.login("alice", "wrong") is None
    assert accounts.login("nobody", "correct horse") is None
    accounts.create_user("keyonly")  # no password: API keys only
    assert accounts.login("keyonly", "") is None
    accounts.set_password("keyonly", "now-one")
    assert accounts.login("keyonly", "now-one") is not None
    with pytest.raises(AccountError, match="no user 'ghost'"):
        accounts.set_password("ghost", "x")
    with pytest.raises(AccountError, match="empty"):
        accounts.create_user("emptypw", "")


def test_stored_password_hash_is_not_the_password(tmp_path: Path) -> None:
    import sqlite3

    uri = f"sqlite:///{tmp_path / 'r.db'}"
    with_accounts = Accounts.open(uri)
    with_accounts.create_user("alice", "hunter2")
    with_accounts.close()
    (stored,) = (
        sqlite3.connect(tmp_path / "r.db").execute("SELECT password_hash FROM users").fetchone()
    )
    assert "hunter2" not in stored and stored.startswith("scrypt$")
    assert verify_password("hunter2", stored) and not verify_password("hunter3", stored)


def test_teams_and_members(accounts: Accounts) -> None:
    alice = accounts.create_user("alice")
    bob = accounts.create_user("bob")
    accounts.create_team("vision", owner="alice")
    accounts.add_member("vision", "bob")
    assert accounts.role(alice.id, "vision") == "admin"
    assert accounts.role(bob.id, "vision") == "member"
    accounts.add_member("vision", "bob", "admin")  # a role change, not a second row
    assert accounts.memberships(bob.id) == {"bob": "admin", "vision": "admin"}
    assert accounts.remove_member("vision", "bob")
    assert accounts.role(bob.id, "vision") is None
    with pytest.raises(AccountError, match="no team 'nope'"):
        accounts.add_member("nope", "bob")
    with pytest.raises(AccountError, match="user's entity, not a team"):
        accounts.add_member("alice", "bob")
    with pytest.raises(AccountError, match="no user 'ghost'"):
        accounts.add_member("vision", "ghost")
    with pytest.raises(AccountError, match="invalid role 'owner'"):
        accounts.add_member("vision", "bob", "owner")


def test_api_keys_hashed_shown_once_revocable(accounts: Accounts) -> None:
    alice = accounts.create_user("alice")
    record, key = accounts.create_key("alice", "laptop")
    assert key.startswith(f"ry_{record.prefix}_") and parse_api_key(key) == record.prefix
    assert record.name == "laptop" and record.revoked_at is None
    found = accounts.authenticate_key(key)
    assert found is not None and found[0] == alice and found[1] == record.id
    (listed,) = accounts.list_keys("alice")
    assert listed.last_used_at is not None and "key" not in listed.to_json()
    assert accounts.authenticate_key(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
    assert accounts.authenticate_key("ry_000000000000_nope") is None
    assert accounts.authenticate_key("not-a-key") is None
    assert not accounts.revoke_key(record.id, "bob")  # someone else's key: untouched
    assert accounts.authenticate_key(key) is not None
    assert accounts.revoke_key(record.id, "alice")
    assert accounts.authenticate_key(key) is None
    assert accounts.list_keys("alice")[0].revoked_at is not None
    other, other_key = accounts.create_key("alice")
    assert accounts.revoke_key_by_prefix(other.prefix)
    assert accounts.authenticate_key(other_key) is None


def test_only_the_key_hash_is_stored(tmp_path: Path) -> None:
    import sqlite3

    uri = f"sqlite:///{tmp_path / 'r.db'}"
    with_accounts = Accounts.open(uri)
    with_accounts.create_user("alice")
    _, key = with_accounts.create_key("alice")
    with_accounts.close()
    rows = sqlite3.connect(tmp_path / "r.db").execute("SELECT * FROM api_keys").fetchall()
    assert key not in repr(rows) and hash_token(key) in repr(rows)


def test_sessions_expire_and_end(accounts: Accounts) -> None:
    alice = accounts.create_user("alice", "pw")
    token, csrf = accounts.create_session(alice, ttl=3600)
    session = accounts.session(token)
    assert session is not None and session.user == alice and session.csrf_token == csrf
    assert accounts.session(token + "x") is None and accounts.session("") is None
    accounts.end_session(token)
    assert accounts.session(token) is None
    kept, _ = accounts.create_session(alice, ttl=3600)
    accounts.set_password("alice", "new password")  # ends every session of alice
    assert accounts.session(kept) is None
    short, _ = accounts.create_session(alice, ttl=0.05)
    time.sleep(0.1)
    assert accounts.session(short) is None


def test_visibility(accounts: Accounts) -> None:
    assert accounts.visibility("alice", "p") is None
    accounts.set_visibility("alice", "p", "public")  # creates the empty project
    assert accounts.visibility("alice", "p") == "public"
    assert accounts.public_projects() == {("alice", "p")}
    accounts.set_visibility("alice", "p", "private")
    assert accounts.visibility("alice", "p") == "private" and not accounts.public_projects()
    with pytest.raises(AccountError, match="invalid visibility 'world'"):
        accounts.set_visibility("alice", "p", "world")


def test_memory_database_is_refused() -> None:
    with pytest.raises(AccountError, match="database file or server"):
        Accounts.open("sqlite:///:memory:")


def test_nul_in_names_never_reaches_the_database(accounts: Accounts) -> None:
    """PostgreSQL text cannot hold NUL: such names are refused or match nothing
    (the OpenAPI fuzz found a DataError 500 in add_member)."""
    alice = accounts.create_user("alice", "pw")
    accounts.create_team("vision", owner="alice")
    for call in (
        lambda: accounts.add_member("vision", "bo\0b"),
        lambda: accounts.add_member("vi\0sion", "alice"),
        lambda: accounts.create_team("t", owner="a\0"),
        lambda: accounts.create_key("al\0ice"),
        lambda: accounts.set_password("al\0ice", "x"),
        lambda: accounts.set_visibility("alice", "p\0", "public"),
        lambda: accounts.remove_member("vision", "a\0"),
    ):
        with pytest.raises(AccountError, match="invalid"):
            call()
    assert accounts.login("al\0ice", "pw") is None
    assert accounts.get_user("al\0ice") is None
    assert accounts.role(alice.id, "al\0ice") is None
    assert accounts.visibility("al\0ice", "p") is None
    assert accounts.list_keys("al\0ice") == []
    assert not accounts.revoke_key(1, "al\0ice")
    assert not accounts.revoke_key_by_prefix("\0")
