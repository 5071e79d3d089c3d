"""A database server (PostgreSQL 15, through psycopg 3) in place of a case file: its address, the connection's
settings, and where the office key for it is kept.

A server is named by a URL, ``postgresql://ROLE@HOST:PORT/DATABASE`` (``postgresql+psycopg://`` and
``postgres://`` are read the same). What changes against a file, and what does not:

- **No SQLCipher.** PostgreSQL does not encrypt its files: encryption at rest is the server's disk encryption
  (see docs/server-guide.md). Everything else of the office's secrets stays as in a file: the office key (32
  random bytes) is wrapped by the office passphrase and by the recovery key in a *server key file*, in the same
  format as a case file's ``.keys`` file, kept on each computer that uses the server — never in the database.
  From it come the audit chain's key, the office authority's key and the users' key wrapping, exactly as for a
  file (all derived from the office key and the key file's id), so whoever holds only the database can neither
  forge the audit chain nor read a signing key. Where it is kept: ``$CASEREVIEW_SERVER_KEYS`` when set, else the
  data folder's ``servers/HOST-PORT-DATABASE.keys``. `server move` copies the case file's own key file there;
  `server init` makes a new one.
- **No lock file.** Several users at once is the point; the version column refuses a lost update, and the audit
  chain is serialised by a row lock on its head (`casereview.store.audit.append`).
- **TLS.** Anything but this computer (127.0.0.1, ::1, localhost) is reached with ``sslmode=verify-full``
  against the office's CA certificate: ``sslrootcert=`` in the URL, or ``$CASEREVIEW_SERVER_CA`` (or libpq's
  ``$PGSSLROOTCERT``). Without one the connection is refused before anything is sent.
- **The role's password** is never written beside the application: it comes from ``$CASEREVIEW_DB_PASSWORD`` or
  libpq's own ``$PGPASSWORD`` (or a prompt in a terminal, `casereview.cli.common`; or the window's log-in dialog,
  which keeps it for this process only with `remember_password`). A password in the URL is used but never shown:
  every message names the server without it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from casereview.paths import data_dir
from casereview.paths import is_server as is_server  # kept here too: where the server code looks for it
from casereview.store import keys as keymod
from casereview.store.safe_write import write_private

LOCAL_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
DEFAULT_PORT = 5432
CONNECT_TIMEOUT = 10  # seconds: an unreachable server is said at once, not after the system's two minutes


class ServerAddressProblem(ValueError):
    """A server URL that cannot be used as given; the message says what to change."""


def server_url(target: str) -> URL:
    """The URL for SQLAlchemy (driver psycopg 3), or `ServerAddressProblem`."""
    try:
        url = make_url(target)
    except (ArgumentError, ValueError):
        raise ServerAddressProblem(f"{_safe(target)} is not a database server address. Write it "
                                   "postgresql://ROLE@HOST:PORT/DATABASE.") from None
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        url = url.set(drivername="postgresql+psycopg")
    else:
        raise ServerAddressProblem(f"{describe(url)}: CaseReview works with PostgreSQL servers only (an address "
                                   "starting postgresql://).")
    if not url.database:
        raise ServerAddressProblem(f"{describe(url)} names no database: add /DATABASE at its end.")
    password = _TYPED.get(_who(url)) or os.environ.get("CASEREVIEW_DB_PASSWORD")
    if url.password is None and password:
        url = url.set(password=password)
    return url


# Role passwords typed in the window (the log-in dialog), for this process only: never written anywhere, never in
# the environment that programs started from here would inherit.
_TYPED: dict[tuple[str, str, int, str], str] = {}


def _who(url: URL) -> tuple[str, str, int, str]:
    return (url.username or "", url.host or "localhost", url.port or DEFAULT_PORT, url.database or "")


def _parsed(target: URL | str) -> URL | None:
    if isinstance(target, URL):
        return target
    try:
        return make_url(target)
    except (ArgumentError, ValueError):
        return None


def remember_password(target: URL | str, password: str) -> None:
    """Use `password` for the role of the server at `target` from now on, in this process only (an empty one
    forgets it)."""
    url = _parsed(target)
    if url is None:
        return
    if password:
        _TYPED[_who(url)] = password
    else:
        _TYPED.pop(_who(url), None)


def split_password(target: str) -> str:
    """`target` without a password written in it; that password is kept (`remember_password`) for this process
    instead, so that the address can be shown and kept without it. Anything that is not a URL comes back as is."""
    url = _parsed(target)
    if url is None or url.password is None:
        return target
    remember_password(url, str(url.password))
    bare = URL.create(url.drivername, url.username, None, url.host, url.port, url.database, url.query)
    return bare.render_as_string(hide_password=False)


def forget_password(target: URL | str) -> None:
    remember_password(target, "")


def password_given(target: URL | str) -> bool:
    """Whether a role password for the server at `target` is known without asking: in its URL, typed in this
    process, or in $CASEREVIEW_DB_PASSWORD or libpq's $PGPASSWORD."""
    url = _parsed(target)
    if url is None:
        return False
    return bool(url.password or _TYPED.get(_who(url)) or os.environ.get("CASEREVIEW_DB_PASSWORD")
                or os.environ.get("PGPASSWORD"))


def _safe(text: str) -> str:
    """A URL as text with any password blanked out (for messages)."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", text)


def describe(url: URL | str) -> str:
    """The server as the user is told it: ``ROLE@HOST:PORT/DATABASE`` (never a password)."""
    if isinstance(url, str):
        try:
            url = make_url(url)
        except (ArgumentError, ValueError):
            return _safe(str(url))
    who = f"{url.username}@" if url.username else ""
    return f"{who}{url.host or 'localhost'}:{url.port or DEFAULT_PORT}/{url.database or ''}"


def display_address(url: URL | str) -> str:
    """The address the window and the reports show: ``postgresql://ROLE@HOST:PORT/DATABASE``."""
    return f"postgresql://{describe(url)}"


def is_local(url: URL) -> bool:
    return (url.host or "localhost") in LOCAL_HOSTS


def title_words(address: URL | str) -> str:
    """The server as a window's title names it: ``DATABASE on HOST`` ("cases on db.office.local")."""
    url = _parsed(address)
    if url is None:
        return _safe(str(address))
    return f"{url.database or ''} on {url.host or 'localhost'}"


def connection_words(address: URL | str) -> str:
    """What the window's status bar says of its connection: ``Server: HOST:PORT/DATABASE, TLS verified`` (a
    server on another computer is reached only with its certificate checked, `connect_args`), or ``…, local, no
    TLS`` for one on this computer."""
    url = _parsed(address)
    if url is None:
        return f"Server: {_safe(str(address))}"
    where = f"{url.host or 'localhost'}:{url.port or DEFAULT_PORT}/{url.database or ''}"
    return f"Server: {where}, " + ("local, no TLS" if is_local(url) else "TLS verified")


def connect_args(url: URL) -> dict[str, Any]:
    """The driver's settings: a connect timeout, and TLS verified against the office's CA for any server not on
    this computer (`ServerAddressProblem` when no CA certificate is given)."""
    args: dict[str, Any] = {"connect_timeout": CONNECT_TIMEOUT, "application_name": "CaseReview"}
    query = dict(url.query)
    if is_local(url):
        return args
    mode = query.get("sslmode")
    if mode not in (None, "verify-full"):
        raise ServerAddressProblem(
            f"{describe(url)} asks for sslmode={mode}. A server on another computer is reached only with "
            "sslmode=verify-full (the connection encrypted, the server's certificate and name checked): remove "
            "sslmode from the address.")
    ca = query.get("sslrootcert") or os.environ.get("CASEREVIEW_SERVER_CA") or os.environ.get("PGSSLROOTCERT")
    if not ca or isinstance(ca, tuple):
        raise ServerAddressProblem(
            f"{describe(url)} is on another computer, and no certificate of the office's certificate authority "
            "was given to check it against. Set CASEREVIEW_SERVER_CA to the CA file your administrator gave you "
            "(or add ?sslrootcert=FILE to the address). Nothing was sent to the server.")
    if not Path(ca).is_file():
        raise ServerAddressProblem(f"The office's CA certificate {ca} (for {describe(url)}) does not exist. "
                                   "Nothing was sent to the server.")
    args.update(sslmode="verify-full", sslrootcert=str(ca))
    return args


def server_key_path(target: URL | str) -> Path:
    """Where this computer keeps the office key file of the server at `target` (see the module)."""
    given = os.environ.get("CASEREVIEW_SERVER_KEYS")
    if given:
        return Path(given)
    url = target if isinstance(target, URL) else make_url(target)
    name = re.sub(r"[^A-Za-z0-9._-]", "_", f"{url.host or 'localhost'}-{url.port or DEFAULT_PORT}-{url.database}")
    return data_dir() / "servers" / f"{name}.keys"


def read_server_keys(target: URL | str) -> keymod.KeyFile:
    path = server_key_path(target)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise keymod.KeyFileProblem(
            f"This computer has no office key file for the server {describe(target)} (looked for {path}). Copy "
            "it from the computer where the server was set up (python -m casereview server init or server move "
            "wrote it), or set CASEREVIEW_SERVER_KEYS to where it is.") from None
    return keymod.loads(data, str(path))


def has_server_keys(target: URL | str) -> bool:
    """Whether this computer keeps the office key file of the server at `target`."""
    try:
        return server_key_path(target).is_file()
    except (ArgumentError, ValueError):
        return False


def install_server_keys(target: URL | str, source: Path) -> Path:
    """Keep a copy of the office key file at `source` (copied from the computer where the server was set up) as
    this computer's key file for the server at `target`; returns where. `KeyFileProblem` when `source` is not an
    office key file, or when another office's key file is kept for that server already (it is not replaced)."""
    from casereview.store.lock import refuse_case_file_part

    try:
        refuse_case_file_part(Path(source))  # (an OSError in plain words)
        data = Path(source).read_bytes()
    except OSError as exc:
        raise keymod.KeyFileProblem(f"{source} cannot be read ({exc.strerror or exc}). Nothing was copied.") from None
    try:
        keys = keymod.loads(data, str(source))
    except keymod.KeyFileProblem:
        raise keymod.KeyFileProblem(
            f"{source} is not an office key file of CaseReview. Choose the .keys file that server init or server "
            "move wrote on the computer where the server was set up (in its CaseReview data folder, under "
            "servers). Nothing was copied.") from None
    path = server_key_path(target)
    if path.exists():
        try:
            kept = read_server_keys(target)
        except keymod.KeyFileProblem:
            kept = None
        if kept is not None and kept.file_id == keys.file_id:
            return path  # the same office's key file: nothing to do
        raise keymod.KeyFileProblem(
            f"This computer already keeps another office key file for {describe(target)} ({path}): it was not "
            "replaced. Move it aside first if it belongs to an older database.")
    return write_server_keys(target, keys)


def write_server_keys(target: URL | str, keys: keymod.KeyFile, *, replace: bool = False) -> Path:
    path = server_key_path(target)
    if path.exists() and not replace:
        raise keymod.KeyFileProblem(f"An office key file for {describe(target)} already exists at {path}: it was "
                                    "not replaced. Move it aside first if it belongs to an older database.")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_private(path, keymod.dumps(keys))
    return path
