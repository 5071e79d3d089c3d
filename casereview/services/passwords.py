"""User passwords: the rules a new one must meet, Argon2id hashing, and the key each password derives to wrap
that user's own secrets.

A password is normalised to Unicode NFC (the same visible password typed on any system is the same password) and
otherwise used whole: any length, spaces and any characters, never truncated. Two Argon2id derivations are made from
it with separate salts: the stored hash (argon2-cffi's PHC string, to check the password) and a wrapping key that is
never stored (to unwrap the user's own key, which later protects their signing key). The office passphrase opens
the case file but neither of these.
"""

from __future__ import annotations

import os
import unicodedata
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from casereview.store.keys import KdfParams

MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # a pasted document is a mistake, not a password
# Each of the two derivations takes about a quarter of a second here, so a login takes about half a second.
USER_KDF = KdfParams(time_cost=2, memory_kib=131072, parallelism=2)


class WeakPassword(ValueError):
    """The new password is refused; the message says why and what to choose instead."""


def normalize(password: str) -> str:
    return unicodedata.normalize("NFC", password)


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("resources").joinpath("passwords", "common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def check_new_password(password: str, username: str) -> None:
    """Raise WeakPassword with the reason when `password` may not be used."""
    value = normalize(password)
    if len(value) < MIN_PASSWORD:
        raise WeakPassword(f"The password is too short: use at least {MIN_PASSWORD} characters. A few ordinary "
                           "words with spaces between them make a password that is long and easy to remember.")
    if len(value) > MAX_PASSWORD:
        raise WeakPassword(f"The password is longer than {MAX_PASSWORD} characters: was something else pasted?")
    if not value.strip():
        raise WeakPassword("The password is only spaces: use words or other characters too.")
    folded = value.casefold()
    common = common_passwords()
    if folded in common or "".join(folded.split()) in common:
        raise WeakPassword("That password is on the list of common passwords that attackers try first. Choose "
                           "another: a few unrelated words with spaces between them work well.")
    name = username.casefold().strip()
    if len(name) >= 3 and name in folded:
        raise WeakPassword("The password must not contain the user name.")
    if len(set(folded)) < 3:
        raise WeakPassword("The password repeats the same one or two characters: choose a less predictable one.")


def _hasher(kdf: KdfParams) -> PasswordHasher:
    return PasswordHasher(time_cost=kdf.time_cost, memory_cost=kdf.memory_kib, parallelism=kdf.parallelism,
                          hash_len=32, salt_len=16, type=Type.ID)


def hash_password(password: str, kdf: KdfParams = USER_KDF) -> str:
    return _hasher(kdf).hash(normalize(password))


def verify_password(stored_hash: str, password: str) -> bool:
    """True when `password` matches; the hash carries its own Argon2 settings."""
    try:
        return PasswordHasher().verify(stored_hash, normalize(password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return hash_password("not a real password, only spends the time of a check", USER_KDF)


def spend_verify_time(password: str) -> None:
    """For an unknown user name: take as long as a real check, so timing does not tell which names exist."""
    verify_password(_dummy_hash(), password)


def new_salt() -> bytes:
    return os.urandom(16)


def derive_wrapping_key(password: str, salt: bytes, kdf: KdfParams) -> bytes:
    return hash_secret_raw(normalize(password).encode("utf-8"), salt, time_cost=kdf.time_cost,
                           memory_cost=kdf.memory_kib, parallelism=kdf.parallelism, hash_len=32, type=Type.ID)


def _aad(file_id: str, username_folded: str) -> bytes:
    return f"casereview user key:{file_id}:{username_folded}".encode()


def wrap_user_key(user_key: bytes, wrapping_key: bytes, file_id: str, username_folded: str) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(wrapping_key).encrypt(nonce, user_key, _aad(file_id, username_folded))


def unwrap_user_key(wrapped: bytes, wrapping_key: bytes, file_id: str, username_folded: str) -> bytes | None:
    try:
        return AESGCM(wrapping_key).decrypt(wrapped[:12], wrapped[12:], _aad(file_id, username_folded))
    except InvalidTag:
        return None
