"""A realistic two-file municipal 生成AI利用ガイドライン, written for the tests (not a real city's).

``write_municipal(dir)`` writes 「みどり市 生成AI利用ガイドライン.pdf」 (reportlab, CID font, lines
wrapped like a PDF extraction, running header and page numbers) and 「みどり市 生成AI利用ガイドライン
別紙.txt」 (forms and a Q&A). ``QUESTIONS`` are questions a staff member would ask, each with
the article (or 別紙 section) that answers it; ``CLERK_QUESTIONS`` are put in a clerk's own words.
"""

from __future__ import annotations

from pathlib import Path

from tests.pdfs import make_japanese_pdf

PDF_NAME = "みどり市 生成AI利用ガイドライン.pdf"
TXT_NAME = "みどり市 生成AI利用ガイドライン 別紙.txt"
WRAP = 42
HEADER = "みどり市 生成AI利用ガイドライン"

# (page, paragraphs); each paragraph is wrapped at WRAP characters like a PDF line.
PAGES: list[list[str]] = [
    [
        "みどり市 生成AI利用ガイドライン",
        "令和7年4月1日",
        "みどり市 総務部 デジタル推進課",
        "第1章 総則",
        "（目的）",
        "第1条 このガイドラインは、本市の職員が業務において生成AIを利用する際の基本的な考え方と遵守すべき"
        "事項を定め、生成AIの適正かつ効果的な活用を図ることを目的とする。",
        "（定義）",
        "第2条 このガイドラインにおいて「生成AI」とは、利用者の指示に応じて文章、画像、音声等を生成する"
        "人工知能の技術を用いたサービスをいう。",
        "2 このガイドラインにおいて「職員」とは、本市の一般職及び特別職の職員並びに会計年度任用職員をいう。",
        "（対象とするサービス）",
        "第3条 職員が業務で利用できる生成AIは、情報政策課長が利用を承認したサービス（以下「承認サービス」"
        "という。）に限る。",
        "2 承認サービスの一覧は、庁内ポータルに掲載する。",
    ],
    [
        "第2章 利用の手続と遵守事項",
        "第4条（入力禁止情報）",
        "職員は、生成AIに次に掲げる情報を入力してはならない。",
        "(1) 個人情報（住民の氏名、住所、電話番号、マイナンバー等）",
        "(2) 非公開とされている行政情報及び意思決定前の政策情報",
        "(3) 契約上の守秘義務を負う事業者の情報",
        "(4) パスワード、システムの設定情報その他の情報セキュリティに関する情報",
        "2 前項の規定にかかわらず、統計処理等により特定の個人を識別できないよう加工した情報は、入力することができる。",
        "第5条（利用の申請）",
        "所属長は、所属において新たに生成AIを業務に利用しようとするときは、別紙1の生成AI利用申請書により、"
        "あらかじめ情報政策課長に申請しなければならない。",
        "2 情報政策課長は、申請の内容を審査し、承認するときは申請した所属長に通知する。",
    ],
    [
        "第6条（生成物の確認）",
        "職員は、生成AIの出力をそのまま使用せず、内容の正確性、根拠となる事実及び表現の適切さを自ら確認しなければならない。",
        "2 生成物に誤りや偏りがあった場合の責任は、生成物を利用した職員及びその所属が負う。",
        "第7条（著作権等への配慮）",
        "職員は、生成物を公表する場合には、既存の著作物との類似性を確認し、他者の著作権、商標権その他の"
        "権利を侵害しないよう注意しなければならない。",
        "第3章 管理体制",
        "第8条（研修）",
        "情報政策課長は、生成AIを利用する職員に対し、年1回以上、適正な利用に関する研修を実施する。",
        "2 新たに着任した職員は、着任後1か月以内に前項の研修を受講しなければならない。",
        "第9条（事故時の対応）",
        "職員は、入力禁止情報を誤って入力したときその他情報漏えいのおそれがある事案が発生したときは、"
        "直ちに所属長及び情報政策課長に報告しなければならない。",
        "2 情報政策課長は、報告を受けたときは、サービス提供者への削除依頼等の必要な措置を講ずる。",
        "3 第1項の職員は、発生から3開庁日以内に、事故報告書を情報政策課長に提出しなければならない。",
        "第10条（見直し）",
        "情報政策課長は、毎年4月に内容を見直し、必要に応じて改める。",
        "附則",
        "このガイドラインは、令和7年4月1日から施行する。",
    ],
]

BESSHI = """\
みどり市 生成AI利用ガイドライン 別紙

別紙1 生成AI利用申請書
1 申請する所属
所属名、所属長名及び連絡先を記入する。
2 利用するサービス
承認サービスの名称と、利用するアカウントの種類を記入する。
3 利用の目的と業務内容
議事録の要約、文案の作成など、生成AIを利用する業務を具体的に記入する。

別紙2 生成AIの利用に関するQ&A
Q1. 会議の議事録を要約させてもよいですか。
A. 非公開の会議や個人が特定される発言を含む議事録は入力できません。公開済みの会議録であれば要約に利用できます。
Q2. 生成AIで作った文章を広報紙に載せるときの注意は何ですか。
A. 内容の事実確認を行い、既存の著作物と似ていないかを確認してください。掲載の責任は所属が負います。
Q3. 私用のアカウントで生成AIを業務に使ってもよいですか。
A. 使えません。業務では、情報政策課長が承認したサービスを、所属に割り当てられたアカウントで利用してください。
"""

# (question, where the answer is: a substring of the expected section path)
QUESTIONS: list[tuple[str, str]] = [
    ("住民の個人情報を生成AIに入力してもよいですか", "第4条（入力禁止情報）"),
    ("生成AIを新しく業務に使うときはどんな手続が必要ですか", "第5条（利用の申請）"),
    ("生成AIの出力はそのまま使ってよいですか", "第6条（生成物の確認）"),
    ("生成AIの研修は誰がどのくらいの頻度で実施しますか", "第8条（研修）"),
    ("入力禁止情報を誤って入力してしまったらどうすればよいですか", "第9条（事故時の対応）"),
    ("業務で利用できる生成AIのサービスはどれですか", "第3条（対象とするサービス）"),
]

# Questions as a clerk at the counter or in a section office would put them: their own words,
# not the guideline's (スマホ, 会議録, 文案 …), several of them closer to a Q&A entry of the 別紙
# than to the article that rules on them. Written before the article-first ranking was built;
# each with the article that rules on it.
CLERK_QUESTIONS: list[tuple[str, str]] = [
    ("住民から届いた問い合わせメールを貼り付けて、返信の文案を作らせてもいいですか", "第4条（入力禁止情報）"),
    ("うちの課で新たに生成AIを使い始めたいのですが、どこに何を出せばいいですか", "第5条（利用の申請）"),
    ("AIが作った文章に誤りがあった場合、責任は誰が負うのですか", "第6条（生成物の確認）"),
    ("AIで作ったイラストを市のホームページに載せるとき、気をつけることはありますか", "第7条（著作権等への配慮）"),
    ("個人情報を入れてしまったときは誰に報告すればいいですか", "第9条（事故時の対応）"),
    ("自分のスマホに入れたAIアプリを仕事で使ってもいいですか", "第3条（対象とするサービス）"),
    ("会計年度任用職員もこのガイドラインの対象になりますか", "第2条（定義）"),
    ("会議録の要約にAIを使ってもいいですか", "第4条（入力禁止情報）"),
]


def _wrap(paragraph: str) -> list[str]:
    return [paragraph[i : i + WRAP] for i in range(0, len(paragraph), WRAP)] or [""]


def pdf_pages() -> list[list[str]]:
    """Drawn lines per page: running header, wrapped body, page number at the foot."""
    pages = []
    for number, paragraphs in enumerate(PAGES, start=1):
        lines = [] if number == 1 else [HEADER]
        for para in paragraphs:
            lines.extend(_wrap(para))
        lines.append(f"- {number} -")
        pages.append(lines)
    return pages


def write_municipal(directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    pdf = make_japanese_pdf(directory / PDF_NAME, pdf_pages())
    txt = directory / TXT_NAME
    txt.write_text(BESSHI, encoding="utf-8")
    return pdf, txt
