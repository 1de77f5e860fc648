"""Tests for ingest.loaders: text and PDF loading, and the Japanese error messages."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from guideqa.errors import DocumentError
from guideqa.models import DocumentMeta
from ingest.loaders import (
    MSG_EMPTY,
    MSG_PDF_BROKEN,
    MSG_PDF_ENCRYPTED,
    MSG_PDF_NO_TEXT,
    iter_corpus_files,
    load_document,
    split_lines,
)
from tests.pdfs import (
    make_encrypted_pdf,
    make_garbage_pdf,
    make_image_only_pdf,
    make_japanese_pdf,
    make_truncated_pdf,
)

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"

HEADING = "U-4) i. 個人情報の不適切入力とプライバシー侵害への対策"
BODY = "AIシステム・サービスへ個人情報を不適切に入力することがないよう注意を払う"

PAGES = [
    ["第1部 AIとは", "AIの定義と本ガイドラインの対象を示す。"],
    [" 第3部 AIを利用する者に関する事項", HEADING, BODY, "（全角括弧）「かぎ括弧」①②"],
    ["別添 チェックリスト", "以上"],
]


def _meta(file: str) -> DocumentMeta:
    return DocumentMeta(doc_id="doc", title="テスト文書", file=file)


def _no_ws(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _load_error(path: Path) -> DocumentError:
    with pytest.raises(DocumentError) as info:
        load_document(path, _meta(path.name))
    err = info.value
    assert err.path == str(path)
    assert path.name in str(err)
    return err


# --- PDF ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def japanese_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_japanese_pdf(tmp_path_factory.mktemp("pdf") / "guide.pdf", PAGES)


def test_pdf_lines_carry_page_numbers(japanese_pdf: Path) -> None:
    doc = load_document(japanese_pdf, _meta(japanese_pdf.name))

    assert doc.sha256 == hashlib.sha256(japanese_pdf.read_bytes()).hexdigest()
    assert doc.meta.doc_id == "doc"
    assert {line.page for line in doc.lines} == {1, 2, 3}

    heading = [line for line in doc.lines if _no_ws(line.text) == _no_ws(HEADING)]
    body = [line for line in doc.lines if _no_ws(line.text) == _no_ws(BODY)]
    assert len(heading) == 1 and len(body) == 1
    assert heading[0].page == 2 and body[0].page == 2
    # Observed with pypdf 7 + HeiseiKakuGo-W5: extraction is exact, no inserted spaces.
    assert heading[0].text == HEADING
    assert body[0].text == BODY


def test_pdf_line_structure_matches_drawn_lines(japanese_pdf: Path) -> None:
    doc = load_document(japanese_pdf, _meta(japanese_pdf.name))
    for page_number, drawn in enumerate(PAGES, start=1):
        page_lines = [line for line in doc.lines if line.page == page_number]
        assert [line.text for line in page_lines] == drawn
        # Line numbers restart at 1 on every page.
        assert [line.line for line in page_lines] == list(range(1, len(drawn) + 1))
    # The leading space of a line (page-start marker in the corpus) survives.
    assert doc.lines[2].text.startswith(" 第3部")


def test_pdf_encrypted_with_password_is_rejected(tmp_path: Path) -> None:
    path = make_encrypted_pdf(tmp_path / "secret.pdf", user_password="himitsu")
    err = _load_error(path)
    assert err.cause == MSG_PDF_ENCRYPTED


def test_pdf_encrypted_with_empty_user_password_loads(tmp_path: Path) -> None:
    path = make_encrypted_pdf(
        tmp_path / "open.pdf", user_password="", pages=[["閲覧は自由です。"]]
    )
    doc = load_document(path, _meta(path.name))
    assert [(line.text, line.page, line.line) for line in doc.lines] == [
        ("閲覧は自由です。", 1, 1)
    ]


@pytest.mark.parametrize("maker", [make_truncated_pdf, make_garbage_pdf])
def test_pdf_broken_is_rejected(tmp_path: Path, maker) -> None:
    path = maker(tmp_path / "broken.pdf")
    err = _load_error(path)
    assert err.cause == MSG_PDF_BROKEN


def test_pdf_image_only_is_rejected(tmp_path: Path) -> None:
    path = make_image_only_pdf(tmp_path / "scan.pdf", page_count=2)
    err = _load_error(path)
    assert err.cause == MSG_PDF_NO_TEXT


def test_pdf_blank_page_contributes_no_lines(tmp_path: Path) -> None:
    path = make_japanese_pdf(tmp_path / "gap.pdf", [["一ページ目"], [], ["三ページ目"]])
    doc = load_document(path, _meta(path.name))
    assert [(line.text, line.page) for line in doc.lines] == [
        ("一ページ目", 1),
        ("三ページ目", 3),
    ]


def test_pdf_bad_page_is_skipped(
    japanese_pdf: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pypdf import PageObject

    original = PageObject.extract_text

    def flaky(self, *args, **kwargs):
        text = original(self, *args, **kwargs)
        if "第3部" in text:
            raise ValueError("corrupt content stream")
        return text

    monkeypatch.setattr(PageObject, "extract_text", flaky)
    doc = load_document(japanese_pdf, _meta(japanese_pdf.name))
    assert {line.page for line in doc.lines} == {1, 3}


# --- text -----------------------------------------------------------------------
# A city's rules as メモ帳 (before 2019) or Excel's 「Unicode テキスト」 save them.
_RULES = "第１条　職員は、①個人情報を生成AIに入力してはならない。\n第２条　利用は課長の承認を得る。\n"


@pytest.mark.parametrize("codec", ["cp932", "euc-jp", "utf-16", "utf-8-sig"])
def test_text_in_a_japanese_office_encoding_is_read(tmp_path: Path, codec: str) -> None:
    text = _RULES if codec != "euc-jp" else _RULES.replace("①", "(1)")  # EUC-JP has no circled digits
    path = tmp_path / "rules.txt"
    path.write_bytes(text.encode(codec))
    doc = load_document(path, _meta(path.name))
    assert [line.text for line in doc.lines if line.text] == text.splitlines()


def test_text_in_no_known_encoding_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    prefix = b"abc\n"
    path.write_bytes(prefix + "café crème".encode("latin-1"))  # cp932 would read it as kanji soup
    err = _load_error(path)
    assert "文字コードを判別できません" in err.cause
    assert f"{len(prefix) + 3}バイト" in err.cause
    assert "2行目" in err.cause


@pytest.mark.parametrize("content", [b"", b"   \n\n\t\r\n", b"\xef\xbb\xbf\n"])
def test_text_empty_is_rejected(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.md"
    path.write_bytes(content)
    err = _load_error(path)
    assert err.cause == MSG_EMPTY


def test_text_keeps_lines_verbatim(tmp_path: Path) -> None:
    path = tmp_path / "doc.txt"
    data = "\ufeff見出し\r\n 本文（先頭に空白）\r\n\rおわり  \n".encode()
    path.write_bytes(data)
    doc = load_document(path, _meta(path.name))
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert [(line.text, line.line, line.page) for line in doc.lines] == [
        ("見出し", 1, None),
        (" 本文（先頭に空白）", 2, None),
        ("", 3, None),
        ("おわり  ", 4, None),
    ]


def test_unsupported_suffix_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "guide.key"
    path.write_bytes(b"PK\x03\x04")
    err = _load_error(path)
    assert (
        err.cause
        == "対応していない形式です（.key）。.txt / .md / .csv / .tsv / .pdf / .docx / .xlsx / .xls / .pptx / .odt / .ods / .rtf / .html / .mhtml / .eml を使ってください"
    )


def test_a_csv_that_does_not_parse_as_a_sheet_is_read_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text('名前,"閉じていない引用\n次の行\n', encoding="utf-8")
    doc = load_document(path, _meta(path.name))
    assert [line.text for line in doc.lines] == ['名前,"閉じていない引用', "次の行"]


def test_missing_file_is_rejected(tmp_path: Path) -> None:
    err = _load_error(tmp_path / "nothing.txt")
    assert "ファイルを読み込めません" in err.cause


def test_real_corpus_file_line_count() -> None:
    path = CORPUS / "ai_network_kongo_no_torikumi.txt"
    if not path.exists():
        pytest.skip("corpus file not present")
    text = path.read_text(encoding="utf-8")
    doc = load_document(path, _meta(path.name))
    assert len(doc.lines) == len(text.splitlines())
    assert [line.text for line in doc.lines] == text.splitlines()
    assert doc.lines[0].line == 1 and doc.lines[-1].line == len(doc.lines)
    assert all(line.page is None for line in doc.lines)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\nb", ["a", "b"]),
        ("a\nb\n", ["a", "b"]),
        ("a\r\n\r\nb\r", ["a", "", "b"]),
        ("a\x0cb\n", ["a\x0cb"]),
        ("", []),
        ("\n", [""]),
    ],
)
def test_split_lines(text: str, expected: list[str]) -> None:
    assert split_lines(text) == expected


# --- corpus listing -------------------------------------------------------------
def test_iter_corpus_files(tmp_path: Path) -> None:
    for name in [
        "b.txt",
        "a.md",
        "c.pdf",
        "README.md",
        "manifest.yaml",
        "manifest.md",
        "x.key",
        ".hidden.txt",
    ]:
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.txt").write_text("x", encoding="utf-8")
    assert [p.name for p in iter_corpus_files(tmp_path)] == ["a.md", "b.txt", "c.pdf"]


def test_the_encodings_of_office_exports_are_recognised_however_little_kana_they_hold() -> None:
    from ingest.encoding import decode_japanese

    register = "番号,部署,担当者\r\n1,総務課,山田太郎\r\n"  # an Excel register: kanji only
    furigana = "氏名,ﾌﾘｶﾞﾅ\r\n山田太郎,ﾔﾏﾀﾞ ﾀﾛｳ\r\n"  # half-width katakana, as payroll exports keep them
    for text in (register, furigana):
        assert decode_japanese(text.encode("cp932")) == text
    assert decode_japanese(register.encode("euc-jp")) == register
    assert decode_japanese("規程".encode("utf-32")) == "規程"  # its BOM starts as UTF-16's does
    assert decode_japanese(b"\xff\xfe" + "規程".encode("utf-16-le") + b"\x00") == "規程\ufffd"  # truncated: kept
    assert decode_japanese("décembre".encode("latin-1")) is None  # cp932 would read 「d馗embre」
