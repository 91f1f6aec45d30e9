"""Passwords (密码): argon2id hashes through argon2-cffi, the rules a new password must meet,
and random initial passwords an office can read out or hand over on paper.

Only hashes are stored (`users.password_hash`); a hash made with older parameters is made again
at the next successful sign-in (`needs_rehash`), so raising the cost needs no migration.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# argon2-cffi's defaults are RFC 9106's "low memory" argon2id profile (64 MiB, 3 passes).
_HASHER = PasswordHasher()

MIN_LENGTH = 10
MAX_LENGTH = 128  # a bound on what is hashed, so a megabyte "password" costs nothing extra
# Letters and digits that cannot be misread on paper (no 0/O, 1/l/I).
_READABLE = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# A hash of nothing anyone knows: verified against when the account does not exist, so a
# refused sign-in takes as long whether or not the login is real.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` is the one hashed; False for a wrong one or a damaged hash."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def burn_time(password: str) -> None:
    """Spend a verification's time for a login that does not exist (no timing oracle)."""
    verify_password(_DUMMY_HASH, password)


def needs_rehash(password_hash: str) -> bool:
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def password_problem(password: str, login: str = "") -> str | None:
    """Why ``password`` may not be used, in Chinese; None when it may."""
    if len(password) < MIN_LENGTH:
        return f"密码至少{MIN_LENGTH}个字符"
    if len(password) > MAX_LENGTH:
        return f"密码至多{MAX_LENGTH}个字符"
    if password.strip() != password:
        return "密码首尾不能是空格"
    if login and login.lower() in password.lower():
        return "密码不能包含登录名"
    if len(set(password)) < 4:
        return "密码过于简单，请混用字母、数字和符号"
    return None


def random_password(length: int = 12) -> str:
    """An initial password: readable characters, at least one letter and one digit."""
    while True:
        candidate = "".join(secrets.choice(_READABLE) for _ in range(length))
        mixed = any(c.isdigit() for c in candidate) and any(c.isalpha() for c in candidate)
        if mixed and password_problem(candidate) is None:
            return candidate
