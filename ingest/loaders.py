"""Load corpus source files (.txt / .md / .csv / .tsv / .pdf / .docx / .xlsx / .html) into ``LoadedDocument`` objects.

Every loader returns one ``SourceLine`` per physical line so that later stages can
cite exact locations:

* text files: ``line`` is the 1-based line number in the file, ``page`` is ``None``;
* PDFs: ``line`` is the 1-based line number within the page, ``page`` is the
  1-based page number. Nothing is inserted between pages;
* office files and saved web pages (:mod:`ingest.office`, :mod:`ingest.web_page`): ``line`` is the
  paragraph of a Word document, the row of an Excel sheet, the slide of a PowerPoint deck, the
  source line of a page's element.

Failures are reported as ``DocumentError`` with a Japanese ``cause`` that is safe to
show to users.
"""

from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path

from pypdf import PasswordType, PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError

from guideqa.errors import CorpusError, DocumentError
from guideqa.models import DocumentMeta, LoadedDocument, SourceLine
from ingest.encoding import decode_japanese
from ingest.sheets import is_tab_separated, sheet_lines

logger = logging.getLogger(__name__)

TEXT_SUFFIXES: frozenset[str] = frozenset({".txt", ".md"})
# Spreadsheets saved as text, by the csv dialect Excel writes them in (ingest.sheets).
SHEET_DIALECTS: dict[str, str] = {".csv": "excel", ".tsv": "excel-tab"}
PDF_SUFFIXES: frozenset[str] = frozenset({".pdf"})
# Files as an office saves them: Word, Excel, PowerPoint, LibreOffice Writer and Calc, a web page
# saved from a browser (as HTML or as one file), and the older Excel 97-2003 and rich text formats.
OFFICE_SUFFIXES: frozenset[str] = frozenset({".docx", ".xlsx", ".pptx", ".odt", ".ods", ".html", ".htm", ".xls", ".rtf",
                                               ".mhtml", ".mht"})  # fmt: skip
# A mail saved from a mail client (ingest.mail).
MAIL_SUFFIXES: frozenset[str] = frozenset({".eml"})
SUPPORTED_SUFFIXES: frozenset[str] = TEXT_SUFFIXES | frozenset(SHEET_DIALECTS) | PDF_SUFFIXES | OFFICE_SUFFIXES | MAIL_SUFFIXES
SUPPORTED_LABEL = ".txt / .md / .csv / .tsv / .pdf / .docx / .xlsx / .xls / .pptx / .odt / .ods / .rtf / .html / .mhtml / .eml"  # what a user is told to use
# Files whose first line is a header or a question, not a title (their file name is the title).
SHEET_SUFFIXES: frozenset[str] = frozenset(SHEET_DIALECTS) | {".xlsx", ".xls", ".ods"}
# Older binary formats of the same programs, and the one to save them in instead.
_RESAVE_AS: dict[str, str] = {".doc": ".docx", ".docm": ".docx", ".xlsm": ".xlsx", ".ppt": ".pptx", ".pptm": ".pptx",
                              ".odp": ".pptx", ".msg": ".txt"}  # fmt: skip

# Files that live in the corpus directory but are not documents.
_EXCLUDED_NAMES: frozenset[str] = frozenset({"readme.md"})
_EXCLUDED_STEMS: frozenset[str] = frozenset({"manifest"})

MSG_UNSUPPORTED = "対応していない形式です（{suffix}）。" + SUPPORTED_LABEL + " を使ってください"
MSG_UNREADABLE_FILE = "ファイルを読み込めません（{reason}）"
MSG_NOT_UTF8 = (
    "文字コードを判別できません（先頭から{offset}バイトの位置、{line}行目で"
    "UTF-8として読めないバイトがあり、Shift_JIS・EUC-JPとしても読めません）。UTF-8で保存し直してください"
)
MSG_EMPTY = "本文が空です"
MSG_RESAVE = "この形式（{suffix}）は読み込めません。{target} 形式で保存し直してから追加してください"
MSG_OFFICE_BROKEN = (
    "{kind}を読み込めません（ファイルが壊れているか、パスワードで保護されている可能性があります）。"
    "保護を解除して保存し直してください"
)
_OFFICE_KIND = {".docx": "Word文書", ".xlsx": "Excelブック", ".pptx": "PowerPointファイル", ".odt": "ODFテキスト文書",
                ".ods": "ODFスプレッドシート", ".html": "Webページ", ".htm": "Webページ", ".xls": "Excelブック",
                ".rtf": "リッチテキスト文書", ".mhtml": "Webページ", ".mht": "Webページ"}  # fmt: skip
MSG_MAIL_BROKEN = "メールを読み込めません（ファイルが壊れているか、メールの形式ではありません）"
MSG_PDF_ENCRYPTED = "暗号化されたPDFは読み込めません（パスワード保護）"
MSG_PDF_BROKEN = "PDFを読み込めません（ファイルが壊れている可能性があります）"
MSG_PDF_NO_TEXT = "PDFからテキストを抽出できません（画像のみのPDFの可能性があります）"


def load_document(path: Path, meta: DocumentMeta) -> LoadedDocument:
    """Load ``path`` according to its suffix.

    Raises ``DocumentError`` for unsupported formats and unreadable files.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES or suffix in SHEET_DIALECTS:
        return load_text(path, meta)
    if suffix in PDF_SUFFIXES:
        return load_pdf(path, meta)
    if suffix in OFFICE_SUFFIXES:
        return load_office(path, meta)
    if suffix in MAIL_SUFFIXES:
        return load_mail(path, meta)
    raise unsupported(path)


def unsupported(path: Path) -> DocumentError:
    """The error for a file of a format not read: an older Office format names the one to save in."""
    suffix = path.suffix.lower()
    if suffix in _RESAVE_AS:
        return DocumentError(str(path), MSG_RESAVE.format(suffix=path.suffix, target=_RESAVE_AS[suffix]))
    return DocumentError(str(path), MSG_UNSUPPORTED.format(suffix=path.suffix or "拡張子なし"))


def iter_corpus_files(corpus_dir: Path) -> list[Path]:
    """Return the loadable documents directly inside ``corpus_dir``, sorted by name.

    README.md, manifest files (``manifest.*``) and hidden files are skipped;
    subdirectories are not searched.
    """
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise CorpusError(f"コーパスのフォルダが見つかりません（{corpus_dir}）")
    files = [
        p
        for p in corpus_dir.iterdir()
        if p.is_file()
        and p.suffix.lower() in SUPPORTED_SUFFIXES
        and not p.name.startswith(".")
        and p.name.lower() not in _EXCLUDED_NAMES
        and p.stem.lower() not in _EXCLUDED_STEMS
    ]
    return sorted(files, key=lambda p: p.name)


# --- text -------------------------------------------------------------------------
def load_text(path: Path, meta: DocumentMeta) -> LoadedDocument:
    """Load a text/Markdown file, one ``SourceLine`` per physical line (per record, numbered by
    its first line, for a spreadsheet saved as CSV or tab-separated text: :mod:`ingest.sheets`).
    UTF-8, or what a Japanese office program writes by default (Shift_JIS as cp932 — メモ帳, Excel's
    「CSV（コンマ区切り）」 —, EUC-JP, UTF-16 with its BOM — Excel's 「Unicode テキスト」): :mod:`ingest.encoding`."""
    path = Path(path)
    data = _read_bytes(path)
    digest = hashlib.sha256(data).hexdigest()
    dialect = SHEET_DIALECTS.get(path.suffix.lower())
    decoded = decode_japanese(data)
    if decoded is None:
        start = _first_bad_utf8(data)
        line = data.count(b"\n", 0, start) + 1
        raise DocumentError(str(path), MSG_NOT_UTF8.format(offset=start, line=line))
    text = decoded  # without its BOM (ingest.encoding)
    if not text.strip():
        raise DocumentError(str(path), MSG_EMPTY)

    # A spreadsheet by its name, or a text file that reads as one (read line by line if it does
    # not parse as a sheet).
    sheet = dialect or ("excel-tab" if is_tab_separated(text) else None)
    rows = sheet_lines(text, sheet) if sheet else None
    if rows is not None and not any(line.strip() for _, line in rows):  # a header and nothing under it
        raise DocumentError(str(path), MSG_EMPTY)
    if rows is not None:  # a spreadsheet saved as text: one line per record (ingest.sheets)
        lines = [SourceLine(text=line, line=number, page=None) for number, line in rows]
    else:
        lines = [
            SourceLine(text=line, line=number, page=None)
            for number, line in enumerate(split_lines(text), start=1)
        ]
    logger.info("Loaded %s: %d lines", path.name, len(lines))
    return LoadedDocument(meta=meta, lines=lines, sha256=digest)


def load_mail(path: Path, meta: DocumentMeta) -> LoadedDocument:
    """Load a saved e-mail as the text a reader sees (:mod:`ingest.mail`), read as a text file."""
    from ingest.mail import MailFileError, mail_text

    path = Path(path)
    data = _read_bytes(path)
    if not data.strip():
        raise DocumentError(str(path), MSG_EMPTY)
    try:
        text = mail_text(data)
    except MailFileError as exc:
        logger.warning("Cannot read %s: %s", path.name, exc)
        raise DocumentError(str(path), MSG_MAIL_BROKEN) from exc
    except Exception as exc:  # noqa: BLE001 - a parser's failure on one odd file is that file's error
        logger.warning("Cannot read %s", path.name, exc_info=True)
        raise DocumentError(str(path), MSG_MAIL_BROKEN) from exc
    lines = [SourceLine(text=line, line=number, page=None) for number, line in enumerate(split_lines(text), start=1)]
    if not any(line.text.strip() for line in lines[1:]):
        raise DocumentError(str(path), MSG_EMPTY)
    logger.info("Loaded %s: %d lines", path.name, len(lines))
    return LoadedDocument(meta=meta, lines=lines, sha256=hashlib.sha256(data).hexdigest())


def _first_bad_utf8(data: bytes) -> int:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    return 0


def split_lines(text: str) -> list[str]:
    """Split on newlines (``\\n``, ``\\r\\n``, ``\\r``) keeping every line verbatim.

    Unlike ``str.splitlines`` only real newlines split (form feeds, U+2028 etc. stay
    inside the line). A final newline terminates the last line rather than opening
    an empty one, so the count equals ``len(text.splitlines())`` for ordinary text.
    Leading/trailing spaces and blank lines are kept.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text:
        return []
    parts = text.split("\n")
    if text.endswith("\n"):
        parts.pop()
    return parts


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise DocumentError(
            str(path), MSG_UNREADABLE_FILE.format(reason="ファイルがありません")
        ) from exc
    except IsADirectoryError as exc:
        raise DocumentError(
            str(path), MSG_UNREADABLE_FILE.format(reason="フォルダです")
        ) from exc
    except PermissionError as exc:
        raise DocumentError(
            str(path), MSG_UNREADABLE_FILE.format(reason="権限がありません")
        ) from exc
    except OSError as exc:
        raise DocumentError(
            str(path), MSG_UNREADABLE_FILE.format(reason=type(exc).__name__)
        ) from exc


# --- office files and web pages ------------------------------------------------------
def load_office(path: Path, meta: DocumentMeta) -> LoadedDocument:
    """Load a Word document, an Excel workbook, a PowerPoint deck, a LibreOffice document or
    spreadsheet or a saved web page as lines of its text (numbered by paragraph, sheet row, slide or
    source line: :mod:`ingest.office`, :mod:`ingest.open_document`, :mod:`ingest.web_page`)."""
    from ingest.legacy_office import rtf_lines, xls_lines
    from ingest.office import OfficeFileError, docx_lines, pptx_lines, xlsx_lines
    from ingest.open_document import ods_lines, odt_lines
    from ingest.web_page import html_lines, mhtml_lines

    path = Path(path)
    data = _read_bytes(path)
    digest = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    if not data.strip():
        raise DocumentError(str(path), MSG_EMPTY)
    try:
        if suffix == ".docx":
            rows = docx_lines(data)
        elif suffix == ".xlsx":
            rows = xlsx_lines(data)
        elif suffix == ".pptx":
            rows = pptx_lines(data)
        elif suffix == ".odt":
            rows = odt_lines(data)
        elif suffix == ".ods":
            rows = ods_lines(data)
        elif suffix == ".xls":
            rows = xls_lines(data)
        elif suffix == ".rtf":
            rows = rtf_lines(data)
        elif suffix in (".mhtml", ".mht"):
            rows = mhtml_lines(data)
        else:
            rows = html_lines(data)
    except OfficeFileError as exc:
        logger.warning("Cannot read %s: %s", path.name, exc)
        raise DocumentError(str(path), MSG_OFFICE_BROKEN.format(kind=_OFFICE_KIND[suffix])) from exc
    except Exception as exc:  # noqa: BLE001 - a reader's failure on one odd file is that file's error, not the corpus's
        logger.warning("Cannot read %s", path.name, exc_info=True)
        raise DocumentError(str(path), MSG_OFFICE_BROKEN.format(kind=_OFFICE_KIND[suffix])) from exc
    lines = [SourceLine(text=line, line=number, page=None) for number, line in rows]
    if not any(line.text.strip() for line in lines):
        raise DocumentError(str(path), MSG_EMPTY)
    logger.info("Loaded %s: %d lines", path.name, len(lines))
    # A workbook's lines are a sheet's, read as one saved as text is; a document's, its paragraphs.
    return LoadedDocument(meta=meta, lines=lines, sha256=digest, paragraph_lines=suffix not in (".xlsx", ".xls", ".ods"))


# --- PDF --------------------------------------------------------------------------
def load_pdf(path: Path, meta: DocumentMeta) -> LoadedDocument:
    """Load a PDF with pypdf, one ``SourceLine`` per extracted line, tagged with its page.

    A page whose extraction fails is skipped with a warning; the document fails only
    if no page yields any text.
    """
    path = Path(path)
    data = _read_bytes(path)
    digest = hashlib.sha256(data).hexdigest()

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # Many PDFs are "encrypted" with an empty user password (owner-only restrictions).
            try:
                result = reader.decrypt("")
            except Exception:  # e.g. an unsupported algorithm: treat as still locked
                logger.debug(
                    "Decrypting %s with an empty password failed",
                    path.name,
                    exc_info=True,
                )
                result = PasswordType.NOT_DECRYPTED
            if result == PasswordType.NOT_DECRYPTED:
                raise DocumentError(str(path), MSG_PDF_ENCRYPTED)
        page_count = len(reader.pages)
    except DocumentError:
        raise
    except FileNotDecryptedError as exc:
        raise DocumentError(str(path), MSG_PDF_ENCRYPTED) from exc
    except PdfReadError as exc:
        logger.warning("Cannot parse PDF %s: %s", path.name, exc)
        raise DocumentError(str(path), MSG_PDF_BROKEN) from exc
    except Exception as exc:  # any other parser failure means a broken file
        logger.warning(
            "Cannot parse PDF %s: %s: %s", path.name, type(exc).__name__, exc
        )
        raise DocumentError(str(path), MSG_PDF_BROKEN) from exc

    lines: list[SourceLine] = []
    failed_pages: list[int] = []
    for page_number in range(1, page_count + 1):
        try:
            page_text = reader.pages[page_number - 1].extract_text() or ""
        except FileNotDecryptedError as exc:
            raise DocumentError(str(path), MSG_PDF_ENCRYPTED) from exc
        except Exception as exc:  # noqa: BLE001 - skip one bad page, keep the rest
            logger.warning(
                "Skipping page %d of %s: text extraction failed (%s: %s)",
                page_number,
                path.name,
                type(exc).__name__,
                exc,
            )
            failed_pages.append(page_number)
            continue
        if not page_text.strip():
            logger.debug(
                "Page %d of %s has no extractable text", page_number, path.name
            )
            continue
        for line_number, line in enumerate(split_lines(page_text), start=1):
            lines.append(SourceLine(text=line, line=line_number, page=page_number))

    if not any(line.text.strip() for line in lines):
        if failed_pages and len(failed_pages) == page_count:
            raise DocumentError(str(path), MSG_PDF_BROKEN)
        raise DocumentError(str(path), MSG_PDF_NO_TEXT)

    logger.info(
        "Loaded %s: %d pages, %d lines%s",
        path.name,
        page_count,
        len(lines),
        f", skipped pages {failed_pages}" if failed_pages else "",
    )
    return LoadedDocument(meta=meta, lines=lines, sha256=digest)
