"""An e-mail saved as a file (.eml, as Thunderbird, Outlook on the web or Apple Mail save one).

A rule is often announced by mail (「【重要】生成AIの利用ルールについて」 to all staff), and that mail
is the document people have. It is read with the standard library's ``email`` package into the text
a reader sees, which the structure reader then reads as a text file (a mail body is plain text,
often hard-wrapped at a width):

* the subject on the first line (it is the mail's title), then who sent it and when;
* the body: its plain-text part, or the HTML part read as a saved web page when there is no plain
  one; decoded from the charset it declares (ISO-2022-JP, Shift_JIS, UTF-8), or, declared wrongly
  or not at all, as a Japanese text file is (:mod:`ingest.encoding`);
* without the earlier mail it quotes — lines marked 「> 」 and the attribution above them (「2026年3月1日
  10:00 山田 <…>:」「… wrote:」), and everything from an Outlook separator (「-----Original
  Message-----」「差出人: …」 under a rule) down: an older draft is not the rule the mail announces;
* then each text attachment (a CSV, a text file) under its file name (「■ 添付：窓口一覧.csv」), read
  as such a file is; other attachments are named only.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
from email.message import EmailMessage, Message

from ingest.encoding import decode_japanese
from ingest.sheets import is_tab_separated, sheet_lines

logger = logging.getLogger(__name__)


class MailFileError(Exception):
    """The file is not a readable e-mail (no headers, no body)."""


# The attribution line a mail client writes above the text it quotes.
_ATTRIBUTION = re.compile(r"(?:wrote|書きました|のメッセージ|からのメール|<[^<>@\s]+@[^<>\s]+>)\s*[:：]\s*$|^On .+ wrote:?\s*$")
# Where a client (Outlook) puts the mail it forwards or replies to, unquoted, below the reply.
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(?:Original Message|Forwarded message|元のメッセージ|転送されたメッセージ|オリジナルメッセージ)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_FORWARDED = re.compile(r"Forwarded|転送", re.IGNORECASE)
_FORWARD_SUBJECT = re.compile(r"^\s*(?:(?:Fwd?|FW|転送)\s*[:：])", re.IGNORECASE)
_META_CHARSET = re.compile(r"<meta[^>]*charset[^>]*>", re.IGNORECASE)
MAX_FORWARD_DEPTH = 3
_RULE = re.compile(r"^\s*_{10,}\s*$")
_OUTLOOK_HEADER = re.compile(r"^\s*(?:差出人|From)\s*[:：]")
_QUOTED = re.compile(r"^\s*>")


def mail_text(data: bytes, depth: int = 0) -> str:
    """The text of a saved mail as a reader sees it (module doc)."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    if not isinstance(message, EmailMessage) or not message.keys():
        raise MailFileError("no headers")
    lines: list[str] = []
    subject = _header(message, "Subject")
    if subject:
        lines.append(subject)
    sender, date = _header(message, "From"), _header(message, "Date")
    if sender:
        lines.append(f"差出人：{sender}")
    if date:
        lines.append(f"送信日時：{date}")
    body = message.get_body(preferencelist=("plain", "html"))
    if body is not None:
        text = _part_text(body)
        if body.get_content_subtype() == "html":
            from ingest.web_page import html_lines

            # Decoded already: the page's own charset declaration (Outlook writes one) no longer holds.
            text = _META_CHARSET.sub("", text)
            text = "\n".join(line for _, line in html_lines(text.encode("utf-8")))
        forwarded = bool(_FORWARD_SUBJECT.match(subject))
        lines += [""] + without_quoted(text.replace("\r\n", "\n").split("\n"), forwarded=forwarded)
    for part in message.iter_attachments():
        if part.get_content_type() == "message/rfc822" and depth < MAX_FORWARD_DEPTH:
            inner = part.get_content()  # a mail forwarded as an attachment: read as a mail
            if isinstance(inner, Message):
                try:
                    lines += ["", "■ 転送されたメール", *mail_text(inner.as_bytes(), depth + 1).split("\n")]
                except MailFileError:  # an empty or broken forwarded mail: the mail around it still reads
                    logger.info("A forwarded mail without text is left out")
            continue
        name = part.get_filename() or "添付ファイル"
        lines += ["", f"■ 添付：{name}"]
        if part.get_content_maintype() == "text":
            lines += _attachment_lines(name, _part_text(part))
    if not any(line.strip() for line in lines[1:]) and body is None:
        raise MailFileError("no body")
    return "\n".join(lines)


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError):  # a header the policy cannot parse: left out
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def _part_text(part: Message) -> str:
    """A text part decoded from the charset it declares, or as a Japanese text file is when it
    declares none that decodes it."""
    raw = part.get_payload(decode=True)
    if not isinstance(raw, bytes):
        return str(part.get_payload())
    charset = part.get_content_charset()
    if charset:
        try:
            return raw.decode(charset)
        except (LookupError, UnicodeDecodeError):
            logger.info("The part's charset %s does not decode it; read as a Japanese text file", charset)
    return decode_japanese(raw) or raw.decode("utf-8", errors="replace")


def without_quoted(lines: list[str], forwarded: bool = False) -> list[str]:
    """The body without the earlier mail it quotes (module doc). A forward keeps the mail it
    forwards (its separator line dropped): that mail is what is sent on. Lines marked 「>」 are a
    quotation when an attribution line introduces them or they close the body; a 「>」 line among
    the new text (「> 注意：…」) stays."""
    out: list[str] = []
    quoting = False
    for i, line in enumerate(lines):
        if _ORIGINAL.match(line):
            if forwarded or _FORWARDED.search(line):
                continue
            break
        if _RULE.match(line) and any(_OUTLOOK_HEADER.match(x) for x in lines[i + 1 : i + 3]):
            if forwarded:
                continue
            break
        if _QUOTED.match(line):
            if quoting or all(_QUOTED.match(x) or not x.strip() for x in lines[i:]):
                continue
            out.append(line)
            continue
        following = next((x for x in lines[i + 1 :] if x.strip()), "")
        if _ATTRIBUTION.search(line.strip()) and _QUOTED.match(following):
            quoting = True
            continue
        if line.strip():
            quoting = False
        out.append(line)
    while out and not out[-1].strip():
        out.pop()
    return out


def _attachment_lines(name: str, text: str) -> list[str]:
    if name.lower().endswith((".csv", ".tsv")) or is_tab_separated(text):
        dialect = "excel-tab" if name.lower().endswith(".tsv") or is_tab_separated(text) else "excel"
        rows = sheet_lines(text, dialect)
        if rows is not None:
            return [line for _, line in rows]
    return text.replace("\r\n", "\n").split("\n")
