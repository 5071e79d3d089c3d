"""The case file's key: random, and stored only wrapped, in a small key file beside the case file.

The database key is 32 random bytes. It is wrapped (AES-256-GCM) once by a key derived from the office passphrase
(Argon2id with a random salt, about half a second here) and once by the recovery key shown when the file is
created. Each wrapping is a *slot*; the slot's name is bound into the encryption (as associated data), so a slot
cannot be moved to another file or another purpose. Later, per-user secrets get slots of their own
(``user:ID``), wrapped by each user's password in the same way.

The key file holds no plaintext: a file id, the KDF settings and salts, and ciphertexts.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from casereview.store.safe_write import write_private

KEY_FILE_FORMAT = 1
KEY_BYTES = 32
RECOVERY_BYTES = 25  # 200 bits, written as 40 base32 letters in ten groups of four


@dataclass(frozen=True)
class KdfParams:
    """Argon2id settings; the defaults take about half a second on this project's machines."""

    time_cost: int = 3
    memory_kib: int = 131072
    parallelism: int = 2

    def to_json(self) -> dict[str, Any]:
        return {"name": "argon2id", "time_cost": self.time_cost, "memory_kib": self.memory_kib,
                "parallelism": self.parallelism}


DEFAULT_KDF = KdfParams()
# Only for tests and benchmarks that create many files: far too fast to protect a real passphrase.
TEST_KDF = KdfParams(time_cost=1, memory_kib=8, parallelism=1)


class KeyProblem(Exception):
    """Base for expected key problems; the message says what to do."""


class WrongPassphrase(KeyProblem):
    pass


class WrongRecoveryKey(KeyProblem):
    pass


class KeyFileProblem(KeyProblem):
    pass


@dataclass(frozen=True)
class KeyFile:
    file_id: str
    kdf: KdfParams
    slots: dict[str, dict[str, str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"format": KEY_FILE_FORMAT, "kind": "casereview-keys", "file_id": self.file_id,
                "kdf": self.kdf.to_json(), "slots": self.slots}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _aad(file_id: str, slot: str) -> bytes:
    return f"casereview-key-slot:{file_id}:{slot}".encode()


def _derive_passphrase_key(passphrase: str, salt: bytes, kdf: KdfParams) -> bytes:
    return hash_secret_raw(passphrase.encode("utf-8"), salt, time_cost=kdf.time_cost, memory_cost=kdf.memory_kib,
                           parallelism=kdf.parallelism, hash_len=32, type=Type.ID)


def _derive_recovery_key(recovery: bytes, salt: bytes) -> bytes:
    return HKDF(algorithm=SHA256(), length=32, salt=salt, info=b"casereview recovery").derive(recovery)


def _wrap(wrapping_key: bytes, db_key: bytes, file_id: str, slot: str, salt: bytes) -> dict[str, str]:
    nonce = os.urandom(12)
    sealed = AESGCM(wrapping_key).encrypt(nonce, db_key, _aad(file_id, slot))
    return {"salt": _b64(salt), "nonce": _b64(nonce), "wrapped": _b64(sealed)}


def _unwrap(wrapping_key: bytes, keys: KeyFile, slot: str) -> bytes:
    entry = keys.slots[slot]
    return AESGCM(wrapping_key).decrypt(_unb64(entry["nonce"]), _unb64(entry["wrapped"]), _aad(keys.file_id, slot))


# ---------------------------------------------------------------------------------------------------- recovery key


def format_recovery_key(raw: bytes) -> str:
    letters = base64.b32encode(raw).decode("ascii").rstrip("=")
    return "-".join(letters[i:i + 4] for i in range(0, len(letters), 4))


def parse_recovery_key(text: str) -> bytes:
    letters = "".join(ch for ch in text.upper() if ch.isalnum())
    letters = letters.replace("0", "O").replace("1", "I").replace("8", "B")  # common misreadings of a printout
    if len(letters) != 40:
        raise WrongRecoveryKey(
            f"A recovery key has 40 letters and digits (ten groups of four); this one has {len(letters)}. "
            "Check it against the recovery sheet.")
    try:
        return base64.b32decode(letters)
    except ValueError:
        raise WrongRecoveryKey("That is not a recovery key: check it against the recovery sheet.") from None


# ---------------------------------------------------------------------------------------------------- operations


def new_keys(passphrase: str, *, kdf: KdfParams = DEFAULT_KDF) -> tuple[KeyFile, bytes, str]:
    """A new random database key, wrapped for the passphrase and for a new recovery key.

    Returns the key file, the database key and the recovery key as the user is to write it down."""
    db_key = secrets.token_bytes(KEY_BYTES)
    recovery = secrets.token_bytes(RECOVERY_BYTES)
    keys = KeyFile(file_id=secrets.token_hex(16), kdf=kdf)
    keys = with_passphrase(keys, db_key, passphrase)
    salt = os.urandom(16)
    slots = dict(keys.slots)
    slots["recovery"] = _wrap(_derive_recovery_key(recovery, salt), db_key, keys.file_id, "recovery", salt)
    return replace(keys, slots=slots), db_key, format_recovery_key(recovery)


def with_passphrase(keys: KeyFile, db_key: bytes, passphrase: str) -> KeyFile:
    """The key file with the passphrase slot wrapped anew (a new salt) for `passphrase`."""
    salt = os.urandom(16)
    slots = dict(keys.slots)
    slots["passphrase"] = _wrap(_derive_passphrase_key(passphrase, salt, keys.kdf), db_key, keys.file_id,
                                "passphrase", salt)
    return replace(keys, slots=slots)


def unlock_with_passphrase(keys: KeyFile, passphrase: str) -> bytes:
    entry = keys.slots.get("passphrase")
    if entry is None:
        raise KeyFileProblem("The key file has no passphrase slot. Use the recovery key to set a passphrase.")
    try:
        return _unwrap(_derive_passphrase_key(passphrase, _unb64(entry["salt"]), keys.kdf), keys, "passphrase")
    except InvalidTag:
        raise WrongPassphrase("That passphrase does not open this case file. Check it and try again; if it is "
                              "lost, use the recovery key from the recovery sheet.") from None


def unlock_with_recovery(keys: KeyFile, recovery_text: str) -> bytes:
    raw = parse_recovery_key(recovery_text)
    entry = keys.slots.get("recovery")
    if entry is None:
        raise KeyFileProblem("This case file has no recovery key.")
    try:
        return _unwrap(_derive_recovery_key(raw, _unb64(entry["salt"])), keys, "recovery")
    except InvalidTag:
        raise WrongRecoveryKey("That recovery key does not open this case file. Check it against the recovery "
                               "sheet made when this case file was created.") from None


# ---------------------------------------------------------------------------------------------------- the file


def key_file_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".keys")


def dumps(keys: KeyFile) -> bytes:
    return (json.dumps(keys.to_json(), indent=2) + "\n").encode("ascii")


def loads(data: bytes, where: str) -> KeyFile:
    try:
        raw = json.loads(data.decode("ascii"))
        if raw.get("kind") != "casereview-keys" or raw.get("format") != KEY_FILE_FORMAT:
            raise ValueError("not a CaseReview key file")
        kdf = raw["kdf"]
        if kdf.get("name") != "argon2id":
            raise ValueError(f"unknown key derivation {kdf.get('name')!r}")
        slots = {str(k): {str(a): str(b) for a, b in v.items()} for k, v in raw["slots"].items()}
        return KeyFile(file_id=str(raw["file_id"]),
                       kdf=KdfParams(int(kdf["time_cost"]), int(kdf["memory_kib"]), int(kdf["parallelism"])),
                       slots=slots)
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise KeyFileProblem(f"The key file {where} is damaged ({exc}). Restore it from a backup.") from None


def read_key_file(db_path: Path) -> KeyFile:
    path = key_file_path(db_path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise KeyFileProblem(f"The key file {path.name} is missing from beside the case file. Without it the case "
                             "file cannot be opened: restore both from a backup.") from None
    return loads(data, str(path))


def write_key_file(db_path: Path, keys: KeyFile) -> None:
    write_private(key_file_path(db_path), dumps(keys))
