"""Subject kinds (not a workflow: subjects have no status of their own yet)."""

from __future__ import annotations

from enum import StrEnum


class SubjectKind(StrEnum):
    """The four kinds of credit subject; values are the national category names."""

    LEGAL_PERSON = "法人及非法人组织"
    INDIVIDUAL_BUSINESS = "个体工商户"
    NATURAL_PERSON = "自然人"
    AGENCY = "政府机构"

    @property
    def is_organisation(self) -> bool:
        """Subjects identified by a 统一社会信用代码."""
        return self is not SubjectKind.NATURAL_PERSON

    @property
    def record_category(self) -> str:
        """The 行政相对人类别 a record about this subject carries (agencies are legal persons)."""
        return SubjectKind.LEGAL_PERSON.value if self is SubjectKind.AGENCY else self.value
