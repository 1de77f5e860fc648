"""Questions of extent: how much of what the guideline describes an organisation must do.

「全部やらないとだめですか」「どこまでやればいい？」「うちみたいな小さい会社だと？」 ask whether
everything applies, or how far, usually because the asker is small. The guideline answers them
itself, in statements of proportionality: measures matched to the size of the risk (リスクベース
アプローチ), each organisation's limited resources (資源制約), what to focus on and what is not
needed (重点的に対策すべきことと不要なこと), the 別添 not required as written, its practices left to
each organisation (委ねられる, 取捨選択), excessive measures that hinder the benefits (過度な対策).

The cues are general Japanese of extent and of an organisation's size, the statements are found
in the corpus by that vocabulary; neither comes from an evaluation question.
"""

from __future__ import annotations

import re

from guideqa.text import match_key, nfkc

# Whether everything, or how much, must be done (「全部やらないとだめ」「すべて必要」「どこまで
# やればいい」「そこまで必要」「どの程度対応すれば」).
_ALL = r"(?:全部|全て|すべて|ぜんぶ|一通り|ひととおり|何から何まで)"
_MUST = r"(?:必要|必須|やら(?:な|ね)|しな|対応しな|守らな|求められ|義務|だめ|ダメ|いけな|すべき|やるべき|要る|いる(?:の|ん)?[？?])"
_EVERYTHING_MUST = rf"{_ALL}(?!の)[^。？?]{{0,12}}?{_MUST}"  # 「それ全部やらないとだめ？」
# How far, with a light verb that names no act of its own (「どこまでやればいい」「どの程度対応すれば」;
# not 「どこまでテストすれば」「どこまで説明すれば」, which ask about that act).
_HOW_FAR = (
    r"(?:どこまで|どの程度|どのくらい|どれくらい|どれぐらい|どれだけ)(?!の)[、,\s]*(?:やれ|やる|やっ|やら|対応す|対応し|取り組|必要|求め)"
    r"|そこまで[^。？?]{0,8}?(?:必要|やら|しな|対応|求め|いる|要る)"
)
_EXTENT = re.compile(f"{_EVERYTHING_MUST}|{_HOW_FAR}")
# The asker's organisation described as small (「小さい会社」「小規模な事業者」「10人くらいの課」
# 「受付が2人しかいない」「零細企業」): a small-size word or a head count before a noun of an
# organisation, or a head count limited by しか/だけ.
_ORGANISATION = (
    r"(?:会社|企業|事業者|事業所|店|商店|事務所|組織|課|係|部署|部|チーム|団体|法人|施設|医院|診療所|クリニック|病院|薬局"
    r"|学校|園|工場|工房|町|村|役場|自治体|ところ|所|規模|屋|美容院|サロン)"
)
_HEADS = r"(?:(?<![0-9０-９])[0-9０-９]{1,2}[人名]|[一二三四五六七八九十]人|ひとり|ふたり|独り)"  # a head count (a small one)
_SMALL = re.compile(
    rf"(?:小さ(?:い|な)|小規模(?:な|の)?|零細|個人経営の?|少人数の?|ちっちゃい)\s*(?:[^\s、。？?]{{0,4}}?){_ORGANISATION}"
    rf"|[0-9０-９]+人(?:くらい|ぐらい|程度|ほど)?(?:の|で)?(?:{_ORGANISATION}|しか|だけ)"
    # 「3人でやってる事務所」「一人で回してる店」: a head count that runs the organisation.
    rf"|{_HEADS}で(?:やって|回して|まわして|営んで|運営して|経営して)(?:い)?る[^\s、。？?]{{0,4}}?{_ORGANISATION}"
)
# How the corpus states proportionality (see the module docstring).
_PROPORTIONATE = re.compile(
    r"リスクベースアプローチ|資源制約|過度な(?:リスク)?対策|重点的に対策すべきこと|全て記載とおりに実施"
    r"|採否は[^。]{0,10}委ねられ|取捨選択|規模[^。]{0,20}に応じ|小規模(?:な)?事業者"
)
MIN_STATEMENT_CHARS = 25  # shorter units are headings or table-of-contents lines


def asks_extent(question: str) -> bool:
    """Whether the question asks how much must be done (or says the asker is small and asks)."""
    text = nfkc(question)
    return bool(_EXTENT.search(text)) or bool(_SMALL.search(text))


_EVERYTHING = re.compile(_EVERYTHING_MUST)
_NOT_EVERYTHING = re.compile(r"(?:全て|すべて|全部)[^。]{0,30}?(?:ものではない|必要はない|わけではない)")


def asks_everything(question: str) -> bool:
    """「それ全部やらないとだめ？」: whether everything described must be done."""
    return bool(_EVERYTHING.search(nfkc(question)))


def denies_everything(sentence: str) -> bool:
    """A statement that not everything described is required (「…全て記載とおりに実施することが求め
    られているものではない」): the direct answer to :func:`asks_everything`."""
    return bool(_NOT_EVERYTHING.search(match_key(sentence)))


def says_proportionate(sentence: str) -> bool:
    """A statement that what to do is matched to the risk and the organisation's resources."""
    t = match_key(sentence)
    return len(t) >= MIN_STATEMENT_CHARS and bool(_PROPORTIONATE.search(t)) and t.endswith(("。", "る", "い", "た"))
