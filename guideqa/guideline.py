"""The vocabulary of 「AI事業者ガイドライン」, read from its document profile (declared once, as data).

Every layer (ingest, retriever, API, UI) reads the roles' names, item-code letters and the
parts/annexes written for each role from :data:`ROLE_TABLE`; the lookups below are derived
from it, never restated. Stdlib and pydantic types only, so the UI may import it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from guideqa.models import Role
from guideqa.profiles import GUIDELINE_PROFILE, load_profile, profiled_documents


@dataclass(frozen=True)
class RoleEntry:
    """One actor (主体) of the guideline."""

    role: Role  # the API's name
    letter: str  # item-code prefix: D-2) i.
    label: str  # the guideline's name: AI開発者
    stem: str  # the word before 者 in the label: 開発 (AI開発者, 開発者)
    part: int  # 本編 第N部 written for this role
    annex: int  # 別添N explaining that part
    acts: tuple[str, ...] = ()  # everyday verb stems for the role's act: 作 (作る), 売 (売る)


# The data lives in the guideline's document profile (guideqa/profiles/ai_jigyosha_guideline.yaml).
PROFILE = load_profile(GUIDELINE_PROFILE)
# The guideline's three actors, in its own order (the value chain's: each supplies the next).
ROLE_TABLE: tuple[RoleEntry, ...] = tuple(
    RoleEntry(r.role, r.letter, r.label, r.stem, part=r.part, annex=r.annex, acts=tuple(r.acts)) for r in PROFILE.roles
)
COMMON_LABEL = "共通"  # chunks that apply to every actor (role "common")

# 第2部C. 共通の指針: the ten principles, in order (1) 人間中心 … 10) イノベーション).
PRINCIPLES: tuple[str, ...] = tuple(PROFILE.principles)
GUIDELINE_DOC = "guideline"  # the bundled guideline's doc_id (its manifest entry names the profile)
DEFAULT_DOCS: frozenset[str] = frozenset({GUIDELINE_DOC})


def role_documents(documents: Mapping[str, Mapping[str, Any]] | None) -> frozenset[str]:
    """doc_ids of the index manifest's ``documents`` (by doc_id) read with the guideline's
    profile, a superseded edition left out: the documents the role features and the
    conversation's units read. (An index written before profiles existed: the bundled one.)"""
    if documents is None or not any("profile" in d for d in documents.values()):
        return DEFAULT_DOCS
    return frozenset(profiled_documents(documents.values(), PROFILE.id))

# --- derived lookups (do not restate the table) -------------------------------------------
ACTOR_ROLES: tuple[Role, ...] = tuple(e.role for e in ROLE_TABLE)
ROLE_LABELS: dict[str, str] = {**{e.role: e.label for e in ROLE_TABLE}, "common": COMMON_LABEL}
ROLE_LETTER: dict[Role, str] = {e.role: e.letter for e in ROLE_TABLE}
ROLE_BY_LETTER: dict[str, Role] = {e.letter: e.role for e in ROLE_TABLE}
ROLE_BY_PART: dict[int, Role] = {e.part: e.role for e in ROLE_TABLE}
PART_OF_ROLE: dict[Role, int] = {e.role: e.part for e in ROLE_TABLE}
ROLE_BY_ANNEX: dict[int, Role] = {e.annex: e.role for e in ROLE_TABLE}
ANNEX_OF_ROLE: dict[Role, int] = {e.role: e.annex for e in ROLE_TABLE}
ROLE_BY_STEM: dict[str, Role] = {e.stem: e.role for e in ROLE_TABLE}

# 別添: the labelled sub-sections of an item's explanation ([具体的な手法] … / [ポイント] …).
EXAMPLE_SECTIONS: tuple[str, ...] = tuple(PROFILE.sections.examples)
EXPLANATION_SECTIONS: tuple[str, ...] = tuple(PROFILE.sections.explanations)
