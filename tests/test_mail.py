"""A rule announced by e-mail is read from the saved mail (ingest.mail): the subject as its title,
the body decoded from its charset, the earlier mail it quotes left out, text attachments read."""

from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import SMTP, default
from pathlib import Path

import pytest

from guideqa.errors import DocumentError
from guideqa.models import DocumentMeta
from ingest.chunking import build_chunks
from ingest.loaders import MSG_EMPTY, load_document
from ingest.mail import mail_text, without_quoted

BODY = """各位

お疲れ様です。総務部の山田です。
4月1日から、業務で生成AIを使うときのルールを次のとおりとします。

1．使ってよいAI
・会社が契約した「ひばりAI」だけを使ってください。
※個人のアカウントで業務の文章を入力することは禁止です。

2．入力してはいけない情報
・お客様の氏名、住所、電話番号
・荷物の届け先と配達の時間帯

3．困ったとき
・総務部IT係（内線310）に連絡してください。
・4月15日までにe-ラーニングを受講してください。

--
総務部　山田太郎
電話 011-123-4567

2026年3月1日 10:00 山田太郎 <yamada@example.jp>:
> 経営会議での案です。
> e-ラーニングは3月31日までに受講。
"""


def _mail(path: Path, body: str = BODY, html_only: bool = False) -> Path:
    message = EmailMessage()
    message["Subject"] = "【重要】生成AIの利用ルールについて"
    message["From"] = "総務部 山田 <yamada@example.jp>"
    message["To"] = "全社員 <all@example.jp>"
    message["Date"] = "Fri, 20 Mar 2026 09:30:00 +0900"
    if html_only:
        message.set_content("<html><body><h1>お知らせ</h1><p>生成AIは「ひばりAI」だけを使ってください。</p></body></html>", subtype="html")
    else:
        message.set_content(body, charset="iso-2022-jp", cte="7bit")
        message.add_alternative("<html><body><p>" + body.replace("\n", "<br>") + "</p></body></html>", subtype="html")
        message.add_attachment("窓口,内線\n総務部IT係,310\n安全管理課,320\n".encode("cp932"), maintype="text", subtype="csv",
                               filename="AI相談窓口一覧.csv", params={"charset": "shift_jis"})  # fmt: skip
    path.write_bytes(message.as_bytes(policy=SMTP))
    return path


def _meta(path: Path) -> DocumentMeta:
    return DocumentMeta(doc_id="mail", title=path.stem, short_title=path.stem, file=path.name)


def test_a_saved_mail_reads_as_its_subject_body_and_text_attachments(tmp_path: Path) -> None:
    raw = _mail(tmp_path / "周知.eml").read_bytes()
    assert b"=?iso-2022-jp?" in raw.lower() or b"ISO-2022-JP" in raw.upper()  # really encoded as mail clients do
    lines = mail_text(raw).split("\n")
    assert lines[0] == "【重要】生成AIの利用ルールについて"
    assert lines[1].startswith("差出人：総務部 山田") and lines[2].startswith("送信日時：")
    text = "\n".join(lines)
    assert "・会社が契約した「ひばりAI」だけを使ってください。" in lines  # the plain part, decoded from ISO-2022-JP
    assert "電話 011-123-4567" in lines  # the signature stays: its contacts are the sender's
    # The earlier mail it quotes, and the attribution above it, are not the rule announced.
    assert "3月31日" not in text and "経営会議" not in text and "yamada@example.jp>:" not in text
    assert "■ 添付：AI相談窓口一覧.csv" in lines and any("安全管理課" in x and "320" in x for x in lines)  # Shift_JIS CSV


def test_a_saved_mail_is_cut_at_its_numbered_sections(tmp_path: Path) -> None:
    path = _mail(tmp_path / "生成AIの利用ルールについて.eml")
    chunks = {c.section: c.text for c in build_chunks(load_document(path, _meta(path)), max_chars=700, min_chars=40)}
    assert any("入力してはいけない情報" in s and "配達の時間帯" in t for s, t in chunks.items()), list(chunks)
    assert any("困ったとき" in s and "4月15日" in t for s, t in chunks.items()), list(chunks)


def test_an_outlook_reply_is_read_down_to_the_mail_it_answers() -> None:
    lines = [
        "承知しました。来週から使います。",
        "",
        "________________________________",
        "差出人: 総務部 山田",
        "送信日時: 2026年3月1日 10:00",
        "件名: 生成AIについて",
        "古い案では3月31日まで。",
    ]
    assert without_quoted(lines) == ["承知しました。来週から使います。"]
    # A forward keeps the mail it sends on (its separator line dropped).
    forwarded = ["転送します。", "---------- Forwarded message ---------", "From: 山田", "本文"]
    assert without_quoted(forwarded) == ["転送します。", "From: 山田", "本文"]
    assert without_quoted(lines, forwarded=True)[-2:] == ["件名: 生成AIについて", "古い案では3月31日まで。"]
    # A 「>」 line among the new text is the writer's (an arrow, a note), not a quotation.
    steps = ["申請の流れは次のとおりです：", "> 申請書を提出", "＞ 課長が承認", "以上です。"]
    assert without_quoted(steps) == steps
    # A table written with bars in the body is no quotation.
    assert without_quoted(["| 窓口 | 内線 |", "| IT係 | 310 |"]) == ["| 窓口 | 内線 |", "| IT係 | 310 |"]


def test_a_mail_with_only_an_html_body_is_read_as_a_web_page(tmp_path: Path) -> None:
    lines = mail_text(_mail(tmp_path / "お知らせ.eml", html_only=True).read_bytes()).split("\n")
    assert "生成AIは「ひばりAI」だけを使ってください。" in lines
    # Outlook's HTML in ISO-2022-JP declares its charset in the page too: decoded once, not twice.
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-2022-jp"></head>'
            "<body><p>生成AIは「ひばりAI」だけを使ってください。</p></body></html>")  # fmt: skip
    message = EmailMessage()
    message["Subject"] = "お知らせ"
    message.set_content(page, subtype="html", charset="iso-2022-jp", cte="7bit")
    assert "生成AIは「ひばりAI」だけを使ってください。" in mail_text(message.as_bytes()).split("\n")


def test_a_mail_forwarded_as_an_attachment_is_read(tmp_path: Path) -> None:
    inner = _mail(tmp_path / "元.eml").read_bytes()
    message = EmailMessage()
    message["Subject"] = "Fwd: 生成AIの利用ルール"
    message.set_content("本社からの通知を転送します。")
    message.add_attachment(message_from_bytes(inner, policy=default))
    lines = mail_text(message.as_bytes()).split("\n")
    assert "■ 転送されたメール" in lines and "・会社が契約した「ひばりAI」だけを使ってください。" in lines
    # An empty forwarded mail leaves the mail around it readable.
    empty = EmailMessage()
    empty["Subject"] = "Fwd: 空"
    empty.set_content("空のメールを転送します。")
    empty.add_attachment(message_from_bytes(b"X-Empty: 1\r\n\r\n", policy=default))
    assert "空のメールを転送します。" in mail_text(empty.as_bytes()).split("\n")


def test_a_broken_or_empty_mail_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "壊れた.eml"
    path.write_bytes(b"\x00\x01\x02 not a mail")
    with pytest.raises(DocumentError) as info:
        load_document(path, _meta(path))
    assert info.value.cause.startswith("メールを読み込めません")
    empty = tmp_path / "空.eml"
    empty.write_bytes(b"Subject: test\r\n\r\n\r\n")
    with pytest.raises(DocumentError) as info:
        load_document(empty, _meta(empty))
    assert info.value.cause == MSG_EMPTY
    msg = tmp_path / "保存.msg"
    msg.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(DocumentError) as info:
        load_document(msg, _meta(msg))
    assert info.value.cause == "この形式（.msg）は読み込めません。.txt 形式で保存し直してから追加してください"
