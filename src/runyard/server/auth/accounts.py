"""`Accounts`: users, entities (a user's own namespace or a team), memberships,
API keys, login sessions and project visibility, on the store's SQL database.

Design:

- It opens its own :class:`~runyard.store.sql.db.Db` on the tracking store's URI
  (``Accounts.open(uri)``) rather than reaching into ``SqlStore``'s private
  connection: the tables live in the same database (schema 0003, created by the
  store), the SQL text is the same portable dialect, and the team server's data
  path keeps its own pool. ``Accounts.open`` opens (and so creates or migrates) the
  store once first, so the tables exist.
- Every user gets an entity of the same name, with themselves as its admin; teams
  are entities of kind ``team``. Users and teams share one namespace.
- Site admins (``users.is_admin``) may read and write every entity: they run the
  server and its database already.
- Authenticating a key reads one row; ``last_used_at`` is written at most once a
  minute per key, because on PostgreSQL every write transaction takes the store's
  global writer lock and a training run's requests must not queue behind it.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from runyard.server.auth.tokens import (
    hash_password,
    hash_token,
    new_api_key,
    new_token,
    parse_api_key,
    same_secret,
    verify_password,
)
from runyard.store.sql.db import Db, Tx, open_db

__all__ = [
    "ROLES",
    "VISIBILITIES",
    "AccountError",
    "Accounts",
    "ApiKey",
    "Session",
    "User",
    "check_name",
]

ROLES = ("admin", "member")
VISIBILITIES = ("private", "public")
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,126}[A-Za-z0-9_-])?")
#: Seconds between two writes of a key's ``last_used_at``.
_TOUCH_EVERY = 60.0


class AccountError(ValueError):
    """A bad account operation (a taken name, an unknown user); the HTTP layer answers 4xx."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class User:
    id: int
    username: str
    is_admin: bool


@dataclass(frozen=True)
class ApiKey:
    id: int
    prefix: str
    name: str | None
    created_at: float
    last_used_at: float | None
    revoked_at: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "prefix": self.prefix,
            "name": self.name,
            "created_at": self.created_at,
            "last_used_at": self.last_used_at,
            "revoked_at": self.revoked_at,
        }


@dataclass(frozen=True)
class Session:
    user: User
    csrf_token: str
    expires_at: float


def check_name(name: str, what: str) -> str:
    """A user or team name: letters, digits, ``_ . -``, at most 128, starting with a
    letter or digit and not ending with a dot (``alice.`` reads as ``alice``, and some
    file systems drop trailing dots)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise AccountError(
            f"invalid {what} name {name!r}: use letters, digits, '_', '.', '-' "
            "(at most 128, starting with a letter or digit, not ending with '.')"
        )
    return name


def _nul(*values: str | None) -> bool:
    """Whether any value holds NUL, which PostgreSQL text cannot store: such a name
    exists nowhere, and sending it to the database would be an error (a 500)."""
    return any(v is not None and "\0" in v for v in values)


def _no_nul(value: str, what: str) -> str:
    if _nul(value):
        raise AccountError(f"invalid {what} {value!r}")
    return value


def _hash(password: str) -> str:
    try:
        return hash_password(password)
    except ValueError as exc:
        raise AccountError(str(exc)) from exc


def _user(row: Any) -> User:
    return User(int(row["id"]), str(row["username"]), bool(row["is_admin"]))


def _key(row: Any) -> ApiKey:
    return ApiKey(
        int(row["id"]),
        str(row["prefix"]),
        row["name"],
        float(row["created_at"]),
        row["last_used_at"],
        row["revoked_at"],
    )


class Accounts:
    """The accounts tables of one database."""

    def __init__(self, db: Db) -> None:
        self._db = db
        self._touched: dict[int, float] = {}
        self._touch_lock = threading.Lock()

    @classmethod
    def open(cls, uri: str) -> Accounts:
        """Accounts on the store at ``uri`` (creating or upgrading its schema first)."""
        if uri in ("sqlite://", "sqlite:///", "sqlite:///:memory:"):
            raise AccountError(f"accounts need a database file or server, not {uri!r}")
        from runyard.store.sql.store import SqlStore

        SqlStore(uri).close()
        return cls(open_db(uri))

    @classmethod
    def for_store(cls, store: object) -> Accounts:
        """Accounts beside an open ``SqlStore`` (whose schema therefore exists)."""
        from runyard.store.sql.store import SqlStore

        if not isinstance(store, SqlStore):
            raise AccountError(
                f"auth needs a SQL store (sqlite:///… or postgresql://…), not {store!r}"
            )
        if store.uri in ("sqlite://", "sqlite:///", "sqlite:///:memory:"):
            raise AccountError(f"accounts need a database file or server, not {store.uri!r}")
        return cls(open_db(store.uri))

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _write(self) -> Iterator[Tx]:
        with self._db.write() as tx:
            yield tx

    # -- users and entities ---------------------------------------------------
    def create_user(
        self, username: str, password: str | None = None, *, admin: bool = False
    ) -> User:
        """A user, their entity (named like them) and their admin membership of it."""
        check_name(username, "user")
        hashed = _hash(password) if password is not None else None
        now = time.time()
        with self._write() as tx:
            self._new_entity(tx, username, "user", now)
            tx.run(
                "INSERT INTO users (username, password_hash, is_admin, created_at) "
                "VALUES (:u, :h, :a, :t)",
                {"u": username, "h": hashed, "a": int(admin), "t": now},
            )
            row = tx.one("SELECT * FROM users WHERE username = :u", {"u": username})
            tx.run(
                "INSERT INTO members (entity, user_id, role) VALUES (:e, :id, 'admin')",
                {"e": username, "id": row["id"]},
            )
        return _user(row)

    def _new_entity(self, tx: Tx, name: str, kind: str, now: float) -> None:
        # Names differing only by case are one name: ``Alice`` would pass for ``alice``.
        taken = tx.one(
            "SELECT name, kind FROM entities WHERE lower(name) = :n", {"n": name.lower()}
        )
        if taken is not None:
            raise AccountError(
                f"the name {name!r} is taken (by the {taken['kind']} {taken['name']!r})",
                status=409,
            )
        tx.run(
            "INSERT INTO entities (name, kind, created_at) VALUES (:n, :k, :t)",
            {"n": name, "k": kind, "t": now},
        )

    def set_password(self, username: str, password: str) -> None:
        """Set a password and end the user's login sessions (API keys stay valid)."""
        hashed = _hash(_no_nul(password, "password"))
        _no_nul(username, "user name")
        with self._write() as tx:
            if not tx.run(
                "UPDATE users SET password_hash = :h WHERE username = :u",
                {"h": hashed, "u": username},
            ):
                raise AccountError(f"no user {username!r}", status=404)
            tx.run(
                "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = :u)",
                {"u": username},
            )

    def get_user(self, username: str) -> User | None:
        if _nul(username):
            return None
        with self._db.read() as tx:
            row = tx.one("SELECT * FROM users WHERE username = :u", {"u": username})
        return None if row is None else _user(row)

    def count_users(self) -> int:
        with self._db.read() as tx:
            return int(tx.scalar("SELECT COUNT(*) FROM users"))

    def login(self, username: str, password: str) -> User | None:
        """The user if the password matches (same cost whether or not the user exists)."""
        row = None
        if not _nul(username):
            with self._db.read() as tx:
                row = tx.one("SELECT * FROM users WHERE username = :u", {"u": username})
        stored = None if row is None else row["password_hash"]
        if not verify_password(password, stored) or row is None:
            return None
        return _user(row)

    def create_team(self, name: str, owner: str | None = None) -> None:
        """A team entity; ``owner`` (a username) becomes its admin."""
        check_name(name, "team")
        with self._write() as tx:
            owner_id = self._user_id(tx, owner) if owner is not None else None
            self._new_entity(tx, name, "team", time.time())
            if owner_id is not None:
                tx.run(
                    "INSERT INTO members (entity, user_id, role) VALUES (:e, :id, 'admin')",
                    {"e": name, "id": owner_id},
                )

    def _user_id(self, tx: Tx, username: str) -> int:
        _no_nul(username, "user name")
        user_id = tx.scalar("SELECT id FROM users WHERE username = :u", {"u": username})
        if user_id is None:
            raise AccountError(f"no user {username!r}", status=404)
        return int(user_id)

    def add_member(self, entity: str, username: str, role: str = "member") -> None:
        """Add a user to a team, or change their role (``admin`` or ``member``)."""
        if role not in ROLES:
            raise AccountError(f"invalid role {role!r}; use one of {list(ROLES)}")
        _no_nul(entity, "team name")
        with self._write() as tx:
            kind = tx.scalar("SELECT kind FROM entities WHERE name = :n", {"n": entity})
            if kind is None:
                raise AccountError(f"no team {entity!r}", status=404)
            if kind != "team":
                raise AccountError(f"{entity!r} is a user's entity, not a team")
            user_id = self._user_id(tx, username)
            tx.run(
                "INSERT INTO members (entity, user_id, role) VALUES (:e, :id, :r) "
                "ON CONFLICT (entity, user_id) DO UPDATE SET role = excluded.role",
                {"e": entity, "id": user_id, "r": role},
            )

    def remove_member(self, entity: str, username: str) -> bool:
        _no_nul(entity, "team name")
        _no_nul(username, "user name")
        with self._write() as tx:
            kind = tx.scalar("SELECT kind FROM entities WHERE name = :n", {"n": entity})
            if kind != "team":
                raise AccountError(f"no team {entity!r}", status=404)
            return bool(
                tx.run(
                    "DELETE FROM members WHERE entity = :e AND user_id = "
                    "(SELECT id FROM users WHERE username = :u)",
                    {"e": entity, "u": username},
                )
            )

    def memberships(self, user_id: int) -> dict[str, str]:
        """Entity name → role for every entity the user belongs to."""
        with self._db.read() as tx:
            rows = tx.all(
                "SELECT entity, role FROM members WHERE user_id = :id ORDER BY entity",
                {"id": user_id},
            )
        return {str(r[0]): str(r[1]) for r in rows}

    def role(self, user_id: int, entity: str) -> str | None:
        if _nul(entity):
            return None
        with self._db.read() as tx:
            role = tx.scalar(
                "SELECT role FROM members WHERE entity = :e AND user_id = :id",
                {"e": entity, "id": user_id},
            )
        return None if role is None else str(role)

    # -- API keys ---------------------------------------------------------------
    def create_key(self, username: str, name: str | None = None) -> tuple[ApiKey, str]:
        """A new key for the user: its record and the key itself (shown once)."""
        if name is not None and len(name) > 200:
            raise AccountError("a key name is at most 200 characters")
        if _nul(name):
            raise AccountError(f"invalid key name {name!r}")
        key, prefix = new_api_key()
        now = time.time()
        with self._write() as tx:
            user_id = self._user_id(tx, username)
            tx.run(
                "INSERT INTO api_keys (user_id, prefix, key_hash, name, created_at) "
                "VALUES (:u, :p, :h, :n, :t)",
                {"u": user_id, "p": prefix, "h": hash_token(key), "n": name, "t": now},
            )
            row = tx.one("SELECT * FROM api_keys WHERE prefix = :p", {"p": prefix})
        return _key(row), key

    def list_keys(self, username: str) -> list[ApiKey]:
        if _nul(username):
            return []
        with self._db.read() as tx:
            rows = tx.all(
                "SELECT k.* FROM api_keys k JOIN users u ON u.id = k.user_id "
                "WHERE u.username = :u ORDER BY k.id",
                {"u": username},
            )
        return [_key(r) for r in rows]

    def revoke_key(self, key_id: int, username: str | None = None) -> bool:
        """Revoke a key (only the owner's, when ``username`` is given). False when there
        is no such key (or it is someone else's); revoking twice is not an error."""
        sql = "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, :t) WHERE id = :id"
        params: dict[str, Any] = {"t": time.time(), "id": key_id}
        if _nul(username):
            return False
        if username is not None:
            sql += " AND user_id = (SELECT id FROM users WHERE username = :u)"
            params["u"] = username
        with self._write() as tx:
            return bool(tx.run(sql, params))

    def revoke_key_by_prefix(self, prefix: str) -> bool:
        if _nul(prefix):
            return False
        with self._write() as tx:
            return bool(
                tx.run(
                    "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, :t) WHERE prefix = :p",
                    {"t": time.time(), "p": prefix},
                )
            )

    def key_hash(self, key_id: int) -> str | None:
        """The stored hash of an unrevoked key (the HMAC key of the URLs signed for it,
        see :mod:`runyard.server.wandb.signing`), else None."""
        with self._db.read() as tx:
            row = tx.one("SELECT key_hash, revoked_at FROM api_keys WHERE id = :id", {"id": key_id})
        if row is None or row["revoked_at"] is not None:
            return None
        return str(row["key_hash"])

    def authenticate_key(self, key: str) -> tuple[User, int] | None:
        """The user and key id of a valid, unrevoked key, else None."""
        prefix = parse_api_key(key)
        if prefix is None:
            return None
        with self._db.read() as tx:
            row = tx.one(
                "SELECT k.id AS key_id, k.key_hash, k.revoked_at, u.* FROM api_keys k "
                "JOIN users u ON u.id = k.user_id WHERE k.prefix = :p",
                {"p": prefix},
            )
        if row is None or row["revoked_at"] is not None:
            return None
        if not same_secret(hash_token(key), str(row["key_hash"])):
            return None
        key_id = int(row["key_id"])
        self._touch(key_id)
        return _user(row), key_id

    def _touch(self, key_id: int) -> None:
        now = time.time()
        with self._touch_lock:
            if now - self._touched.get(key_id, 0.0) < _TOUCH_EVERY:
                return
            self._touched[key_id] = now
        with self._write() as tx:
            tx.run("UPDATE api_keys SET last_used_at = :t WHERE id = :id", {"t": now, "id": key_id})

    # -- sessions ---------------------------------------------------------------
    def create_session(self, user: User, ttl: float) -> tuple[str, str]:
        """A login session: the cookie token and its CSRF token."""
        token, csrf = new_token(), new_token()
        now = time.time()
        with self._write() as tx:
            tx.run("DELETE FROM sessions WHERE expires_at < :t", {"t": now})
            tx.run(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) "
                "VALUES (:h, :u, :c, :t, :e)",
                {"h": hash_token(token), "u": user.id, "c": csrf, "t": now, "e": now + ttl},
            )
        return token, csrf

    def session(self, token: str) -> Session | None:
        if not token or len(token) > 200:
            return None
        with self._db.read() as tx:
            row = tx.one(
                "SELECT s.csrf_token, s.expires_at, u.* FROM sessions s "
                "JOIN users u ON u.id = s.user_id WHERE s.token_hash = :h",
                {"h": hash_token(token)},
            )
        if row is None or float(row["expires_at"]) < time.time():
            return None
        return Session(_user(row), str(row["csrf_token"]), float(row["expires_at"]))

    def end_session(self, token: str) -> None:
        with self._write() as tx:
            tx.run("DELETE FROM sessions WHERE token_hash = :h", {"h": hash_token(token)})

    # -- project visibility -------------------------------------------------------
    def visibility(self, entity: str, project: str) -> str | None:
        """``private``/``public``, or None when the project does not exist."""
        if _nul(entity, project):
            return None
        with self._db.read() as tx:
            value = tx.scalar(
                "SELECT visibility FROM projects WHERE entity = :e AND name = :p",
                {"e": entity, "p": project},
            )
        return None if value is None else str(value)

    def set_visibility(self, entity: str, project: str, visibility: str) -> None:
        """Set a project's visibility, creating the (empty) project if needed."""
        if visibility not in VISIBILITIES:
            raise AccountError(
                f"invalid visibility {visibility!r}; use one of {list(VISIBILITIES)}"
            )
        if not project or len(project) > 128 or _nul(entity, project):
            raise AccountError(f"invalid project name {entity!r}/{project!r}")
        with self._write() as tx:
            tx.run(
                "INSERT INTO projects (entity, name, created_at, visibility) "
                "VALUES (:e, :p, :t, :v) ON CONFLICT (entity, name) "
                "DO UPDATE SET visibility = excluded.visibility",
                {"e": entity, "p": project, "t": time.time(), "v": visibility},
            )

    def public_projects(self) -> set[tuple[str, str]]:
        with self._db.read() as tx:
            rows = tx.all("SELECT entity, name FROM projects WHERE visibility = 'public'")
        return {(str(r[0]), str(r[1])) for r in rows}
