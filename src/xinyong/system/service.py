"""Start-up checks: the key in hand must be the one the stored personal data was encrypted with."""

from __future__ import annotations

from sqlalchemy.orm import Session

from xinyong.config import Settings
from xinyong.crypto import Keyring, KeyringError, read_keyring, write_new_key_file
from xinyong.system.models import SystemValue

KEY_CHECK = "key_check"


def load_keyring(session: Session, settings: Settings, *, create: bool = False) -> Keyring:
    """Return the verified keyring; with create=True make one for a database that has none yet."""
    master = settings.master_key.get_secret_value() if settings.master_key else None
    keyring = read_keyring(settings.key_file, master)
    stored = session.get(SystemValue, KEY_CHECK)
    if stored is not None:
        if keyring is None:
            # Never create a new key here: the old one is the only way to read stored data.
            raise KeyringError(
                f"数据库中已有加密数据，但找不到密钥文件 {settings.key_file}。"
                "请恢复原密钥文件或设置 XINYONG_MASTER_KEY；切勿生成新密钥。"
            )
        if not keyring.matches(stored.value):
            raise KeyringError(
                f"密钥与数据库不匹配：{settings.key_file if not master else 'XINYONG_MASTER_KEY'} "
                "不是加密这个数据库时使用的密钥。请使用原密钥。"
            )
        return keyring
    if keyring is None:
        if not create:
            raise KeyringError(f"找不到密钥文件 {settings.key_file}。请先运行 xinyong db upgrade。")
        keyring = write_new_key_file(settings.key_file)
    session.add(SystemValue(name=KEY_CHECK, value=keyring.make_check_value()))
    session.flush()
    return keyring
