"""Role names: parsing what users type, and detecting a role stated in a question."""

from __future__ import annotations

import re

from guideqa.errors import RoleError
from guideqa.guideline import ROLE_BY_STEM, ROLE_LABELS, ROLE_TABLE
from guideqa.models import Role
from guideqa.text import OWN_ORGANISATION, nfkc

# What people type for a role: its API name, its letter, the guideline's label with or without
# "AI" (ROLE_TABLE), plus the English names used for AI利用者 in the guideline's English edition.
_ALIASES: dict[str, Role] = {
    **{
        key: e.role
        for e in ROLE_TABLE
        for key in (e.role, e.letter.lower(), nfkc(e.label).lower(), f"{e.stem}者")
    },
    "dev": "developer",
    "businessuser": "user",
    "aibusinessuser": "user",
}
_NONE = {"", "none", "any", "all", "指定しない", "なし", "-"}

# Phrases in a question that say which role the asker has (checked in this order).
_DETECT: tuple[tuple[Role, re.Pattern[str]], ...] = (
    ("developer", re.compile(r"開発者として|開発する側|(?:モデル|AI)を(?:開発|学習|訓練)(?:して|する|している)|開発元|開発事業者")),
    ("provider", re.compile(r"提供者として|提供する側|(?:サービス|製品|アプリ|システム)(?:として|を)提供|組み込んで提供|提供事業者|提供元")),
    ("user", re.compile(r"利用者として|利用する側|使う側|(?:使う|利用する)だけ|導入して(?:使|利用)|業務で(?:使|利用)|職員が(?:使|利用)|利用事業者")),
)


def parse_role(value: str | None) -> Role | None:
    """'D' / 'developer' / 'AI開発者' -> 'developer'; empty or 指定しない -> None.

    Raises RoleError (Japanese message) for anything else.
    """
    if value is None:
        return None
    key = re.sub(r"[\s_()（）-]", "", nfkc(value)).lower()
    if key in _NONE:
        return None
    if key in _ALIASES:
        return _ALIASES[key]
    raise RoleError(
        f"役割「{value[:20]}」は指定できません。developer / provider / user"
        "（D / P / U、AI開発者 / AI提供者 / AI利用者）のいずれかを指定してください。"
    )


# Weaker cue: a role named as the subject (「AI利用者の義務は？」「開発者は…」), or as a side
# (「提供者側には何が求められる？」: 側 makes even に a side's topic, not an addressee).
_SUBJECT = re.compile(rf"(?:AI)?({'|'.join(ROLE_BY_STEM)})者(?:は|の|が|向け|にとって|側(?:には|は|の|が|で|として|にとって))")


def detect_role(question: str) -> Role | None:
    """The asker's own role, when the question states it (「利用者として」「使うだけ」)."""
    text = nfkc(question)
    for role, pattern in _DETECT:
        if pattern.search(text):
            return role
    return None


def mentioned_role(question: str) -> Role | None:
    """The one role a question is about (「AI利用者の義務は？」), or None."""
    stated = detect_role(question)
    if stated:
        return stated
    subjects = {ROLE_BY_STEM[m.group(1)] for m in _SUBJECT.finditer(nfkc(question))}
    return subjects.pop() if len(subjects) == 1 else None


def stated_roles(question: str) -> list[Role]:
    """Every role the question states as the asker's (「利用者として」「AIを開発する」) or names as a
    subject (「提供者は」「開発者の」), in the order of ``_DETECT``."""
    text = nfkc(question)
    # A role addressed or received from (「提供元に伝える」「開発元から聞く」) is not the subject.
    found = [role for role, pattern in _DETECT for m in pattern.finditer(text) if not NOT_THE_ASKER.match(text, m.end())]
    found += [ROLE_BY_STEM[m.group(1)] for m in _SUBJECT.finditer(text)]
    return list(dict.fromkeys(found))


# A case particle after a party that makes it the addressee, the source or the object of the act
# (「提供元に伝える」「開発元から聞く」「学生に使わせる」), not the asker.
NOT_THE_ASKER = re.compile(r"に|へ|から|と(?!して)|を")


def search_role(question: str, selected: Role | None) -> Role | None:
    """The role to search with: the one chosen (a menu, ``--role``) unless the question itself
    is about exactly one other role (「AIを開発する会社が配慮すべきことは？」 asked with 利用者
    selected) — what the question says beats a menu left as it was; with no role chosen, the
    role the question states (:func:`detect_role`)."""
    if selected is None:
        return detect_role(question)
    stated = stated_roles(question)
    return stated[0] if len(stated) == 1 else selected


# Any naming of a role, with or without a particle (「提供者にも」「AI開発者の場合」).
# (A role's word with an honorific, 「利用者さん」「利用者様」, is a person: a care home's or a
# shop's clients, not the guideline's AI利用者.)
_NAMED = re.compile(rf"(?:AI)?({'|'.join(ROLE_BY_STEM)})(?:事業)?者(?!さん|様|さま|の方々|の皆)")


def named_roles(question: str) -> list[Role]:
    """Every role a question names, in order of first mention."""
    found = [ROLE_BY_STEM[m.group(1)] for m in _NAMED.finditer(nfkc(question))]
    return list(dict.fromkeys(found))


# A party described by the act that defines a role (the profile's ``acts``: 「画像生成AIを作ってる
# 側」「それを使う側の会社」「提供してる業者さん」), or the asker's own organisation doing it
# (「うちがそれをサービスとして売る場合」). A one-kanji stem needs its okurigana (使う, not 使用).
_PARTY = r"(?:側|立場|業者|会社|事業者|企業|メーカー|ベンダー)"
_OURS = rf"(?:{OWN_ORGANISATION})"


# Making and putting out in everyday words (作る, 出す) are a role's act only when what is made or put
# out is AI (「画像生成AIを作ってる側」「そのサービスを出している業者さん」, not 「議事録を作る側」
# 「書類を出す会社」).
# (A service is put out by its provider; who made it is not said: 「サービスを作った会社」 is not a developer.)
_OBJECT = {
    "作": r"(?:AI|モデル|システム|アプリ|ツール|それ|これ)(?:を|の)?",
    "出": r"(?:AI|モデル|システム|サービス|アプリ|ツール|それ|これ)を",
}


def _act(stem: str) -> str:
    return f"{_OBJECT.get(stem, '')}{re.escape(stem)}[ぁ-ゖ]{{{1 if len(stem) == 1 else 0},6}}"


_DESCRIBED: tuple[tuple[Role, re.Pattern[str]], ...] = tuple(
    (
        e.role,
        re.compile(
            rf"(?:{'|'.join(_act(a) for a in e.acts)})(?:[^、。,？?！!\s]{{0,5}}?{_PARTY})"
            rf"|{_OURS}が[^、。,？?！!\s]{{0,16}}?(?:{'|'.join(_act(a) for a in e.acts)})(?:場合|側|立場|なら|だったら)"
        ),
    )
    for e in ROLE_TABLE
    if e.acts
)
# Who supplies the asker: a vendor or maker (「ベンダーさん側の責任は？」) is the role before the
# asker's in the value chain (ROLE_TABLE's order: the developer supplies the provider, the
# provider the user; an asker with no role uses AI).
_SUPPLIER = re.compile(
    r"(?<!事)(?:ベンダー?|業者|メーカー|販売元|供給元|納入元)(?:さん|様)?(?:側)?(?=は|の|って|が|も|[？?]|$)"
)


_ADDRESSED = re.compile(r"(?:の[^、。,？?！!\sはがもを]{1,8}?)?(?:さん|様)?(?:に|へ|から|と(?!して)|を)")
# 「Xには／にも…責任がある・求められる」: に before は or も with a duty after it marks who bears it
# (the party asked about), not one addressed.
_BEARS = re.compile(
    r"(?:の[^、。,？?！!\sはがもを]{1,8}?)?(?:さん|様)?に(?:は|も)[^。？?！!]{0,20}?(?:責任|義務|決まり|ルール|求め|課さ|すべき)"
)


def described_roles(question: str, asker: Role | None) -> list[Role]:
    """The roles a question describes by their act (「作ってる側」「売る場合」) or as the asker's
    supplier (「ベンダー側」), in the order of :data:`ROLE_TABLE`; explicit names are
    :func:`named_roles`."""
    text = nfkc(question)
    # A party addressed or received from (「使う側のお客さんにお願いする」) is not the one asked about.
    found = [
        role
        for role, pattern in _DESCRIBED
        if any(not _ADDRESSED.match(text, m.end()) or _BEARS.match(text, m.end()) for m in pattern.finditer(text))
    ]
    if not found and _SUPPLIER.search(text):
        chain = [e.role for e in ROLE_TABLE]
        at = chain.index(asker or chain[-1])
        found = [chain[at - 1]] if at > 0 else []
    return found


# The sides alone (「売る側」「使う側として」「作ってる会社」), without the asker's own act with its object
# (「うちが顔認証カメラを売る場合」 keeps what is sold).
_SIDES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(rf"(?:{'|'.join(_act(a) for a in e.acts)})(?:[^、。,？?！!\s]{{0,5}}?{_PARTY})") for e in ROLE_TABLE if e.acts
)


def without_sides(question: str) -> str:
    """The question with the sides it describes by an act (「売る側」「使う側として」) removed;
    the asker's own act with its object stays (「うちが顔認証カメラを売る場合」)."""
    text = nfkc(question)
    for pattern in _SIDES:
        text = pattern.sub(" ", text)
    return text


def without_parties(question: str) -> str:
    """The question with the parties it describes by their act or as a supplier removed
    (「うちが売る場合は？」 → 「 は？」, 「ベンダーさん側の責任は？」 → 「 の責任は？」): what is left
    is what it asks of that party."""
    text = nfkc(question)
    for pattern in (*(p for _, p in _DESCRIBED), _SUPPLIER):
        text = pattern.sub(" ", text)
    return text


# 「これって開発者？提供者？」「どっちの扱いになるの？」「どの立場の項目を見ればいい？」「開発者扱いに
# なりますか」: the question asks which role the asker is, which the guideline settles where it
# defines the roles and assigns them to cases (:func:`assigns_roles`).
_ROLE_NAME = rf"(?:AI)?(?:{'|'.join(ROLE_BY_STEM)})者"
# A role named, or described by its act as a side (「作る側」「使う側」「提供する側」, the profile's
# ``acts``), possibly quoted (「「使う側」なのか」).
_ACTS = "|".join(re.escape(a) for e in ROLE_TABLE for a in e.acts)
_ROLE = rf"(?:{_ROLE_NAME}側?|(?:{_ACTS})[ぁ-ゖ]{{0,6}}側)」?"
# The other party of 「使う側？それとも…側？」: a role, or a side described by an act of offering, making or using.
_SIDE = rf"(?:{_ROLE}|[^、。？?\s]{{0,12}}?(?:{_ACTS}|出)[ぁ-ゖ]{{0,6}}側」?)"
_WHICH_ROLE = re.compile(
    rf"(?:どの|どっちの|どちらの)(?:立場|主体|役割|扱い|区分)|どういう(?:立場|扱い|区分)|(?:どちら|どっち|どれ)に(?:当た|該当|な)"
    rf"|{_ROLE}(?:の)?扱いに(?:なる|なり|なっ)|{_ROLE}に(?:当たる|当たり|該当する|該当し|含まれ|なる|なり)(?:ます)?(?:の|ん(?:です|でしょう))?か?[？?]*$"
    rf"|{_ROLE}[？?]\s*(?:それとも|あるいは)?\s*{_SIDE}[？?]|{_ROLE}なのか[^。？?]{{0,12}}?{_ROLE}なのか|両方の立場|立場(?:は|って)(?:変わ|違)"
)
# A passage that assigns roles: it names two roles or more with a word of classing (兼ねる, 区分,
# 該当する, 扱い, 役割と整理 …).
_ASSIGNS = re.compile(r"兼ね|区分|該当する|扱い|役割と整理|役割を担")


# 「責任はうちとベンダーのどっちにある？」「誰の責任になるの？」: the question asks how responsibility
# is shared among the parties, which the documents treat where they speak of allocating it (the
# guideline's 「関係者間の責任の分配」, 別添6 on contracts: 責任の分配・分担・所在).
# 責任 as a word of its own, not inside a compound (責任者, 賠償責任保険).
_RESPONSIBILITY = r"責任(?![一-龥ァ-ヶ])"
# Allocating it, in the documents' words (責任の分配・分担・所在).
_ALLOCATION = r"責任の?(?:分配|分担|所在|配分)|責任を(?:分配|分担)"
# Which of them bears it (「責任は…のどこが負う」; not 「責任が問われたとき、どこが相談に乗って…」).
_WHICH_BEARS = r"どこが(?:負|持|取)"
# 責任 as the topic, the parties' choice within the clause that follows (「責任はAとBのどっち／どこに」).
_TOPIC = rf"{_RESPONSIBILITY}(?:は|って|が)[^。？?]{{0,20}}?"
# Duties divided the same way: 「…と私たちで、やるべきことはどう分かれる？」「それぞれ…分けて教えて」;
# a party's responsibility asserted for confirmation: 「全部ベンダーの責任ってことでいいよね？」.
# A party named in a question dividing duties (「開発した会社と私たちとで」「作る側と売る側で」).
_PARTY_WORDS = re.compile(rf"{_PARTY}|者|ベンダー|委託先|取引先|仕入れ先|発注元|販売元|{OWN_ORGANISATION}")
_WHOSE = re.compile(
    rf"{_TOPIC}(?:どっち|どちら|どこ(?:に|の)|{_WHICH_BEARS}|どの|誰に(?:ある|あり)|どう分|どう違|分担|分け)"
    rf"|(?:どこ|どっち|どちら)が{_RESPONSIBILITY}を(?:負|持|取)"
    rf"|(?:どっち|どちら|誰|だれ)の{_RESPONSIBILITY}|{_RESPONSIBILITY}(?:に|と)(?:なる|なり|なっ)"
    rf"|(?:{_ALLOCATION})(?:は|って|を)"
    rf"|の{_RESPONSIBILITY}(?:ってこと|ということ|でいい|ですよね|だよね|なの(?!で))|の{_RESPONSIBILITY}[？?]\s*[^。？?]{{1,12}}の{_RESPONSIBILITY}[？?]"
    r"|(?:どっち|どちら)が悪い"
)
# An alternative question on it whose alternatives are parties (「責任はうち？売った会社？それとも作った
# 会社？」「責任は市ですか、それとも委託先ですか」; not 「責任は重くなる？それとも軽くなる？」).
_ALTERNATIVES = re.compile(
    rf"{_RESPONSIBILITY}(?:は|って|が)[^。？?、]{{1,20}}(?:[？?]|(?:です|でしょう)?か?[、,])[^。]{{0,30}}?(?:それとも|あるいは)[^。？?]{{1,20}}"
)
_DUTIES = re.compile(
    r"(?:(?:やる|やるべき|する|すべき|必要な)こと|(?:持つ|負う)(?:こと|ところ|範囲|部分))[^。？?]{0,12}?(?:どう分か|分けて|分担|どう違)"
    r"|それぞれ[^。？?]{0,20}?(?:分けて|どう分か)"
)
_ALLOCATES = re.compile(_ALLOCATION)


def asks_whose_responsibility(question: str) -> bool:
    text = nfkc(question)
    if _WHOSE.search(text):
        return True
    # Duties divided between parties the question names, or the parties offered as alternatives
    # (not 「導入前と導入後で…分けて」, 「責任は重い？それとも軽い？」).
    if bool(_DUTIES.search(text)) and len(_PARTY_WORDS.findall(text)) >= 2:
        return True
    return any(_PARTY_WORDS.search(m.group(0)) for m in _ALTERNATIVES.finditer(text))


_WHERE_IT_LIES = re.compile(rf"{_TOPIC}(?:どこ(?:に|の)|{_WHICH_BEARS})|どこが{_RESPONSIBILITY}を(?:負|持|取)")


# The parties listed, then which of them (「AIの会社・うち・クライアントのどこが気をつけて…」).
_LISTED_CHOICE = re.compile(r"(?:[^・、,と。？?]{1,12}(?:・|、|,|と|や)){1,4}[^・、,。？?]{1,12}のどこ(?:が|に|で)")


def asks_where_responsibility_lies(question: str) -> bool:
    """「責任はA、B、Cのどこにある？」「…のどこが負う？」「…のどこが責任を負う？」「A・B・Cのどこが
    気をつける？」: its どこ chooses among the parties, it asks no name."""
    text = nfkc(question)
    if _WHERE_IT_LIES.search(text):
        return True
    return any(len(_PARTY_WORDS.findall(m.group(0))) >= 2 for m in _LISTED_CHOICE.finditer(text))


def allocates_responsibility(text: str) -> bool:
    """The passage speaks of allocating responsibility among parties (責任の分配・分担・所在)."""
    return bool(_ALLOCATES.search(re.sub(r"\s+", "", nfkc(text))))


def asks_which_role(question: str) -> bool:
    return bool(_WHICH_ROLE.search(nfkc(question)))


def assigns_roles(text: str) -> bool:
    """The passage names two roles or more and classes something among them."""
    key = re.sub(r"\s+", "", nfkc(text))
    return len({m.group(1) for m in _NAMED.finditer(key)}) >= 2 and bool(_ASSIGNS.search(key))


def with_role(question: str, role: Role) -> str:
    """The question asked for ``role`` instead: role names replaced, or 「<role>として」 prefixed."""
    label = ROLE_LABELS[role]
    text = nfkc(question)
    if _NAMED.search(text):
        return _NAMED.sub(label, text)
    return f"{label}として、{text}"
