"""Japanese tokenisation for the lexical (BM25) side, with SudachiPy + sudachidict_core.

Tokens are Sudachi's normalised forms of content words (mode C), plus the mode-A parts of
compounds, so that 「個人情報」 matches both 「個人情報」 and 「情報」.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Protocol, runtime_checkable

from guideqa.text import nfkc

_SKIP_POS = {"助詞", "助動詞", "補助記号", "空白", "記号"}
# Very frequent words that carry no meaning for search in this corpus, and formal nouns that
# stand for a thing without naming it (colloquial 「やつ」, normalised 奴: 「写真っぽいやつは？」).
_STOP = {"為る", "居る", "成る", "有る", "こと", "もの", "よう", "等", "ため", "事", "物", "の", "方", "所", "奴"}

# One system dictionary per process (~80 MB resident), shared by every thread: SudachiPy's
# Dictionary is thread-safe, only its Tokenizer objects are not. (A Dictionary per thread made
# the API server grow by ~80 MB for each of its up to 40 worker threads under load.)
_DICTIONARY_LOCK = threading.Lock()
_dictionary = None


def _shared_dictionary():  # type: ignore[no-untyped-def]
    global _dictionary
    if _dictionary is None:
        with _DICTIONARY_LOCK:
            if _dictionary is None:
                from sudachipy import Dictionary

                _dictionary = Dictionary(dict="core")
    return _dictionary


_LOCAL = threading.local()


def thread_tokenizer():  # type: ignore[no-untyped-def]
    """This thread's SudachiPy tokenizer (mode C) over the shared dictionary.

    SudachiPy's Tokenizer objects are not thread-safe, so each thread gets its own; this is
    the one place that makes them (the BM25 tokenizer, sentence reading and answerability all
    call it).
    """
    tok = getattr(_LOCAL, "tok", None)
    if tok is None:
        from sudachipy import SplitMode

        tok = _LOCAL.tok = _shared_dictionary().tokenizer(SplitMode.C)
    return tok


@functools.cache
def split_mode_a():  # type: ignore[no-untyped-def]
    """SudachiPy's short-unit split mode (the parts of a compound); imported on first use."""
    from sudachipy import SplitMode

    return SplitMode.A


@functools.lru_cache(maxsize=65536)
def synonym_groups(word: str) -> frozenset[int]:
    """The synonym groups of a word (a normalised form), as sudachidict_core records them.

    Sudachi's system dictionary tags a morpheme with the ids of the groups of its synonym
    dictionary (a hand-curated general thesaurus): 間違える・誤る・誤り・ミス share one group,
    使う・利用・使用 one, ダメ・禁止 one, 先生・教員・教師 one. Two words sharing a group are the
    same notion in other words. A word the dictionary reads as more than one morpheme has none.
    """
    ms = thread_tokenizer().tokenize(word)
    if len(ms) != 1:
        return frozenset()
    return frozenset(ms[0].synonym_group_ids())


def synonym_index(words: Iterable[str]) -> dict[int, set[str]]:
    """Synonym group -> the ``words`` in it (:func:`synonym_groups`)."""
    by_group: dict[int, set[str]] = {}
    for w in words:
        for g in synonym_groups(w):
            by_group.setdefault(g, set()).add(w)
    return by_group


def synonym_bridges(
    words: Iterable[str], held: Iterable[str] = (), index: Mapping[int, set[str]] | None = None
) -> dict[str, set[str]]:
    """Each of ``words`` mapped to the words of ``held`` that share a synonym group with it
    (:func:`synonym_groups`); a word with none is left out. ``index`` is ``held`` already
    grouped (:func:`synonym_index`), for a large vocabulary read once."""
    by_group = index if index is not None else synonym_index(held)
    out: dict[str, set[str]] = {}
    if not by_group:
        return out
    for w in words:
        same = {h for g in synonym_groups(w) for h in by_group.get(g, ())} - {w}
        if same:
            out[w] = same
    return out


_KANJI_WORD = re.compile(r"[\u4e00-\u9fff々]+")
MAX_COMPONENT_CHARS = 2  # a noun matched inside compounds: one or two kanji (雨, 夜, 電車)
MAX_COMPOUND_CHARS = 3  # ... compounds of at most three kanji (雨天, 夜間, 自動車)


def component_bridges(words: Iterable[str], held: Iterable[str]) -> dict[str, set[str]]:
    """Each of ``words`` that is one or two kanji mapped to the kanji compounds of ``held`` that
    begin or end with it (雨 → 雨天, 夜 → 夜間, 車 → 自動車); a word with none is left out.

    Everyday Japanese says with a plain word what written rules say with a Sino-Japanese
    compound built on it (「雨だったら」, 「雨天の場合」). Only common nouns, in common-noun compounds of
    up to three kanji. A character also stands in words of another sense (根 in 根拠, 水 in 水準),
    so the bridge only orders the sentences of passages already found (the answer's sentences):
    never the search, never whether a question is answered, and only for a word the corpus never
    uses."""
    compounds = [h for h in held if _KANJI_WORD.fullmatch(h) and len(h) <= MAX_COMPOUND_CHARS and _is_common_noun(h)]
    out: dict[str, set[str]] = {}
    for w in words:
        if not _KANJI_WORD.fullmatch(w) or len(w) > MAX_COMPONENT_CHARS or not _is_common_noun(w):
            continue
        found = {h for h in compounds if len(h) > len(w) and (h.startswith(w) or h.endswith(w))}
        if found:
            out[w] = found
    return out


@functools.lru_cache(maxsize=4096)
def _is_common_noun(word: str) -> bool:
    """One morpheme, a common noun (雨, 雨天; not the adjectival 変 of 「変な」, nor a name: 米国, 広島)."""
    ms = thread_tokenizer().tokenize(word)
    return len(ms) == 1 and ms[0].part_of_speech()[:2] == ("名詞", "普通名詞")


@runtime_checkable
class Tokenizer(Protocol):
    tokenizer_id: str

    def tokenize(self, text: str) -> list[str]: ...


class SudachiTokenizer:
    """Thread-safe wrapper: one SudachiPy tokenizer per thread, over one shared dictionary."""

    tokenizer_id = "sudachi:core:C+A"

    def tokenize(self, text: str) -> list[str]:
        tok = thread_tokenizer()
        mode_a = split_mode_a()
        out: list[str] = []
        # Sudachi limits input size; feed long texts in pieces.
        norm = nfkc(text).lower()
        for start in range(0, len(norm), 4000):
            for m in tok.tokenize(norm[start : start + 4000]):
                pos = m.part_of_speech()[0]
                if pos in _SKIP_POS:
                    continue
                form = m.normalized_form()
                if form in _STOP or not form.strip():
                    continue
                out.append(form)
                parts = m.split(mode_a)
                if len(parts) > 1:
                    out.extend(p.normalized_form() for p in parts if p.part_of_speech()[0] not in _SKIP_POS)
        return out


def content_nouns(text: str) -> list[str]:
    """Normalised forms of the content nouns of ``text`` (mode C, in order, with repeats).

    Nouns that are pronouns or adverb-like (「場合」「今後」), auxiliary stems (「みたい」) and the
    stop words above are left out, as are particles, verbs and auxiliaries: what remains says
    what the text is about.
    """
    out: list[str] = []
    for m in thread_tokenizer().tokenize(nfkc(text)[:4000]):
        pos = m.part_of_speech()
        if pos[0] not in ("名詞", "形状詞") or pos[2] == "副詞可能" or pos[1] in ("数詞", "助動詞語幹"):
            continue
        form = m.normalized_form()
        if form not in _STOP and form.strip():
            out.append(form)
    return out


# Heads naming a document (申請書・報告書・調査票・欠勤届): every noun so headed is a 書類, the
# general word a person asks with (「申し込みの書類ってどこに出す？」 is answered by 「申請書を…に提出」).
# (A two-character word ending in 書 or 票 is not so headed: 辞書・図書 are books, 投票 a vote, 文書
# itself general.)
_DOCUMENT_HEAD = re.compile(r"^(?:[^\s]{2,}[書票]|届)$")
DOCUMENT_CLASS = "書類"


def class_nouns(text: str) -> list[str]:
    """The general noun (:data:`DOCUMENT_CLASS`) when ``text`` names a document by a head that
    makes it one, else nothing."""
    for m in thread_tokenizer().tokenize(nfkc(text)[:4000]):
        if m.part_of_speech()[0] == "名詞" and _DOCUMENT_HEAD.match(m.surface()):
            return [DOCUMENT_CLASS]
    return []


def compound_heads(text: str) -> list[str]:
    """What the compounds of ``text`` that the dictionary splits before their head name, as a
    question may say it: for a run of nouns ending in a noun suffix or a one-character noun
    (営業所 + 長, 事務局 + 長, 情報システム + 部), every ending of the run that holds that head and at
    least one character before it (所長, 業所長, 営業所長), written and in normalised form. A
    Japanese compound is right-headed: 営業所長 is a 所長, so a question's 所長 is the one the
    passage names. (A run ending in a longer noun, AI + 事業者, is two words: 業者 is not held.)"""
    out: list[str] = []
    run: list[tuple[str, str]] = []  # (as written, normalised) of each noun of the run
    headed = False  # the run's last noun is a suffix or one character long

    def close() -> None:
        if len(run) > 1 and headed:
            for form in (0, 1):
                whole = "".join(t[form] for t in run)
                out.extend(whole[k:] for k in range(len(whole) - len(run[-1][form])))
        run.clear()

    for m in thread_tokenizer().tokenize(nfkc(text)[:4000]):
        pos = m.part_of_speech()
        suffix = pos[0] == "接尾辞" and pos[1] == "名詞的"
        if (pos[0] == "名詞" and pos[1] != "数詞") or (suffix and run):
            run.append((m.surface(), m.normalized_form()))
            headed = suffix or len(m.surface()) == 1
            continue
        close()
    close()
    return list(dict.fromkeys(out))


def morphemes(text: str) -> list[tuple[str, tuple[str, ...], str]]:
    """(surface, part of speech, normalised form) of each mode-C morpheme of ``text``."""
    return [(m.surface(), tuple(m.part_of_speech()), m.normalized_form()) for m in thread_tokenizer().tokenize(nfkc(text)[:4000])]


_VERBAL_NOUN_POS = frozenset({("名詞", "普通名詞", "サ変可能"), ("名詞", "普通名詞", "サ変形状詞可能")})


@functools.lru_cache(maxsize=8192)
def is_verbal_noun(word: str) -> bool:
    """Whether ``word`` is one Sino-Japanese noun of an act, one that takes する (Sudachi's
    サ変可能: 入力, 提出, 使用), not a thing or a place (大使館, 使命, 入口)."""
    ms = list(thread_tokenizer().tokenize(word))
    return len(ms) == 1 and tuple(ms[0].part_of_speech()[:3]) in _VERBAL_NOUN_POS


# The 連用形 ending of a verb and its dictionary-form ending: a noun made from a verb's 連用形
# (転成名詞: 見直し ← 見直す, 申込み ← 申し込む, 受付 ← 受け付ける) names the act the verb does.
_GODAN_ENDINGS = {"い": "う", "き": "く", "ぎ": "ぐ", "し": "す", "ち": "つ", "に": "ぬ", "び": "ぶ", "み": "む", "り": "る"}
_ICHIDAN_ENDINGS = frozenset("えけげせぜてでねべめれ")


@functools.lru_cache(maxsize=4096)
def verb_of(noun: str) -> str | None:
    """The verb a noun was made from by its 連用形 (「見直し」→「見直す」, 「受付け」→「受け付ける」),
    or None. A candidate dictionary form is built from the noun's last kana (godan: い→う, し→す…;
    ichidan: +る) and kept only when the dictionary reads it as one verb of that form."""
    if len(noun) < 2 or not ("\u4e00" <= noun[0] <= "\u9fff"):
        return None
    last = noun[-1]
    candidates = []
    if last in _GODAN_ENDINGS:
        candidates.append(noun[:-1] + _GODAN_ENDINGS[last])
    if last in _ICHIDAN_ENDINGS:
        candidates.append(noun + "る")
    for cand in candidates:
        ms = list(thread_tokenizer().tokenize(cand))
        if len(ms) == 1 and ms[0].part_of_speech()[0] == "動詞" and ms[0].dictionary_form() == cand:
            verb = str(ms[0].normalized_form())
            # The same stem: 便り is read as a spelling of 頼る, 文字起こし as 起こす — other words.
            return verb if verb[0] == noun[0] else None
    return None
