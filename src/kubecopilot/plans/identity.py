"""Who signs: each person's ed25519 key (``cryptography``; OpenSSH formats), and display names.

A person's private key lives in one file, ``$KUBECOPILOT_HOME/signing_key`` by default (``plans.signing_key``),
created with mode 0600 the first time KubeCopilot needs it — no setup step. It is an unencrypted OpenSSH private
key, so an existing ``~/.ssh/id_ed25519`` works as well; its public half is one ``ssh-ed25519 AAAA…`` line, the form
the team file lists (``plans.team``). Signatures are raw ed25519 over the canonical JSON ``plans.signatures`` builds;
nothing here is hand-written crypto.

Names are for people to read, never for deciding who someone is: ``normalise_name`` folds the spellings that look
alike (full-width letters, a zero-width space, a tab, a ``user:`` prefix) into one and refuses a blank one.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kubecopilot.config import normalise_name
from kubecopilot.errors import ConfigError

__all__ = ["KEY_TYPE", "PublicKey", "SigningKey", "normalise_name"]
KEY_TYPE = "ssh-ed25519"


@dataclass(frozen=True)
class PublicKey:
    """An ed25519 public key in its OpenSSH one-line form (``ssh-ed25519 AAAA…``), compared by its bytes."""

    openssh: str

    @classmethod
    def parse(cls, text: str) -> PublicKey:
        """From ``ssh-ed25519 AAAA… [comment]``; ``ValueError`` for anything else (other key types included)."""
        parts = text.strip().split()
        if len(parts) < 2 or parts[0] != KEY_TYPE:
            raise ValueError(f"not an {KEY_TYPE} public key: {text.strip()[:40]!r}")
        try:
            key = serialization.load_ssh_public_key(f"{parts[0]} {parts[1]}".encode())
        except (ValueError, TypeError) as exc:
            raise ValueError(f"not a valid {KEY_TYPE} public key ({exc})") from None
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError(f"not an {KEY_TYPE} public key")
        return cls._of(key)

    @classmethod
    def _of(cls, key: Ed25519PublicKey) -> PublicKey:
        line = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
        return cls(line)

    @property
    def fingerprint(self) -> str:
        """As ``ssh-keygen -l`` prints it: ``SHA256:`` and the unpadded base64 of the key blob's digest."""
        blob = base64.b64decode(self.openssh.split()[1])
        return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")

    def verify(self, signature: str, payload: bytes) -> bool:
        try:
            key = serialization.load_ssh_public_key(self.openssh.encode())
            assert isinstance(key, Ed25519PublicKey)
            key.verify(base64.b64decode(signature, validate=True), payload)
        except (InvalidSignature, ValueError, TypeError):
            return False
        return True


class SigningKey:
    """A person's private key. ``load_or_create(path)``: the key at ``path``, made there (0600) when missing."""

    def __init__(self, key: Ed25519PrivateKey, path: Path | None = None) -> None:
        self._key, self.path = key, path
        self.public = PublicKey._of(key.public_key())

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load_or_create(cls, path: Path) -> SigningKey:
        path = path.expanduser()
        if not path.exists():
            try:
                return cls._create(path)
            except FileExistsError:  # another process made it a moment ago: use theirs
                pass
        return cls.load(path)

    @classmethod
    def load(cls, path: Path) -> SigningKey:
        try:
            mode = path.stat().st_mode
            data = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read the signing key {path}: {exc.strerror}",
                              hint="plans.signing_key / KUBECOPILOT_SIGNING_KEY names the file") from None
        if os.name == "posix" and mode & 0o077:
            raise ConfigError(f"the signing key {path} is readable by others (mode {mode & 0o777:o})",
                              hint=f"chmod 600 {path}")
        try:
            key = serialization.load_ssh_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"{path} is not an unencrypted OpenSSH private key ({exc})",
                              hint="use an ed25519 key without a passphrase, or delete the file to get a new one") \
                from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ConfigError(f"{path} is not an ed25519 key", hint="ssh-keygen -t ed25519 makes one")
        return cls(key, path)

    @classmethod
    def _create(cls, path: Path) -> SigningKey:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = Ed25519PrivateKey.generate()
        data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                 serialization.NoEncryption())
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never readable by others, not even briefly
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        return cls(key, path)

    def sign(self, payload: bytes) -> str:
        return base64.b64encode(self._key.sign(payload)).decode()
