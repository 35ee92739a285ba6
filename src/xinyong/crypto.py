"""Keys and personal-data protection: AES-GCM encryption at rest and HMAC lookup hashes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from xinyong.errors import ConfigurationError

KEY_FILE_VERSION = 1
# A fixed plaintext encrypted into the database once; decrypting it at start-up proves the
# key in hand is the one the stored personal data was encrypted with.
_CHECK_PLAINTEXT = b"xinyong-key-check-v1"


class KeyringError(ConfigurationError):
    """The encryption keys are missing, malformed or do not match the database."""

    code = "key_error"


@dataclass(frozen=True)
class Keyring:
    """The three secrets of one installation."""

    encryption_key: bytes
    lookup_key: bytes
    session_key: bytes

    @classmethod
    def generate(cls) -> Keyring:
        """Make a fresh random keyring."""
        return cls(secrets.token_bytes(32), secrets.token_bytes(32), secrets.token_bytes(32))

    @classmethod
    def from_json(cls, text: str, source: str) -> Keyring:
        """Parse the key file format."""
        try:
            data = json.loads(text)
            if data.get("version") != KEY_FILE_VERSION:
                raise ValueError("version")
            keys = [base64.b64decode(data[name], validate=True) for name in ("encryption_key", "lookup_key", "session_key")]
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyringError(f"密钥文件 {source} 格式错误，无法读取({exc})。请恢复正确的密钥文件。") from exc
        if any(len(k) != 32 for k in keys):
            raise KeyringError(f"密钥文件 {source} 中的密钥长度错误（应为32字节）。")
        return cls(*keys)

    def to_json(self) -> str:
        """Serialise for the key file."""
        return json.dumps(
            {
                "version": KEY_FILE_VERSION,
                "encryption_key": base64.b64encode(self.encryption_key).decode(),
                "lookup_key": base64.b64encode(self.lookup_key).decode(),
                "session_key": base64.b64encode(self.session_key).decode(),
            },
            indent=2,
        )

    def encrypt(self, plaintext: str, purpose: str) -> bytes:
        """Encrypt text; the purpose is bound as associated data so ciphertexts can't be swapped."""
        nonce = os.urandom(12)
        return nonce + AESGCM(self.encryption_key).encrypt(nonce, plaintext.encode(), purpose.encode())

    def decrypt(self, blob: bytes, purpose: str) -> str:
        """Decrypt what encrypt() produced."""
        try:
            return AESGCM(self.encryption_key).decrypt(blob[:12], blob[12:], purpose.encode()).decode()
        except InvalidTag as exc:
            raise KeyringError("解密失败：密钥与数据库中的加密数据不匹配。") from exc

    def lookup_hash(self, value: str, purpose: str) -> str:
        """Keyed hash for equality lookups of a secret value."""
        return hmac.new(self.lookup_key, f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()

    def make_check_value(self) -> bytes:
        """Ciphertext stored in the database to detect a wrong key later."""
        return self.encrypt(_CHECK_PLAINTEXT.decode(), "key-check")

    def matches(self, check_value: bytes) -> bool:
        """True when this keyring decrypts the stored check value."""
        try:
            return self.decrypt(check_value, "key-check").encode() == _CHECK_PLAINTEXT
        except KeyringError:
            return False


def read_keyring(key_file: Path, master_key: str | None) -> Keyring | None:
    """Return the configured keyring, or None when no key is configured at all."""
    if master_key:
        return Keyring.from_json(master_key, "XINYONG_MASTER_KEY")
    if not key_file.exists():
        return None
    return Keyring.from_json(key_file.read_text(encoding="utf-8"), str(key_file))


def write_new_key_file(key_file: Path) -> Keyring:
    """Create a key file readable only by its owner; refuses to overwrite one."""
    keyring = Keyring.generate()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(keyring.to_json())
    return keyring
