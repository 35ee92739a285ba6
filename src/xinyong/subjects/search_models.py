"""The search table: the terms under which a public subject can be found."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.db import Base, BigId

# Byte order on PostgreSQL whatever the database locale, so `term >= q AND term < q || U+10FFFF` is
# exactly "starts with q" and stays a b-tree range scan (SQLite's BINARY collation already is).
TermText = String(48).with_variant(String(48, collation="C"), "postgresql")


class SubjectSearchTerm(Base):
    """One searchable suffix, name prefix, code or 决定文书号 of a public subject.

    Chinese has no spaces to split words on, so every suffix of the normalised name (and of its pinyin
    initials) is stored: "contains q" becomes "some suffix starts with q", one b-tree range scan on
    both databases. kind: p = name/initials starting at the first character, n = starting later,
    c = 统一社会信用代码, d = 决定文书号 of one of its records.
    """

    __tablename__ = "subject_search_term"

    kind: Mapped[str] = mapped_column(String(1), primary_key=True)
    term: Mapped[str] = mapped_column(TermText, primary_key=True)
    # A derived index, rebuilt by search_terms.backfill: no foreign key and no index on subject_id, which
    # would double the cost of filling it in bulk (renames delete the old terms by their key).
    subject_id: Mapped[int] = mapped_column(BigId, primary_key=True)

    __table_args__ = ({"sqlite_with_rowid": False},)
