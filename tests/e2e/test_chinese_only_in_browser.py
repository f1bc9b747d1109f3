"""What counts as an English word on a page in Chromium, and how a page's visible text is read.
The walk that opens every page of each role, every tab and expander opened, and finds no English
word except proper names and codes is tests/e2e/test_pages_in_browser.py (one walk per role does
all the per-page checks)."""

import re

# A run of Latin letters is English unless it is a code, an acronym or a name people use as is.
_WORD = re.compile(r"[A-Za-z0-9_]*[A-Za-z][A-Za-z0-9_]*")
ALLOWED = {
    # file types, formats and products named in instructions
    "xlsx",
    "docx",
    "pptx",
    "doc",
    "xls",
    "pdf",
    "png",
    "jpeg",
    "jpg",
    "zip",
    "toml",
    "json",
    "csv",
    "Excel",
    "Word",
    "WPS",
    "LibreOffice",
    "Office",
    "Webhook",
    "UTF",
    "KB",
    "MB",
    "GDP",
    "ID",
    # the command line and addresses named in instructions
    "portal",
    "remind",
    "round",
    "outbox",
    "send",
    "https",
    "http",
    "name",
    "example",
    "org",
    "secret",
    "backups",
}


# A file's name is a name (portal-backup-20251010-120000.zip in 系统管理's list of backups).
_FILE_NAME = re.compile(r"[A-Za-z0-9_.-]+\.(?:zip|xlsx|xls|docx|doc|pptx|pdf|png|jpe?g|csv|json|toml)\b")


def english_words(text: str) -> list[str]:
    """Latin words in `text` that are not codes: all-capital tokens and tokens with digits (unit,
    plan and indicator codes such as JZKF-CXCY, 2025Q3, XY; account names like e2e_office), file
    names and the allow-list pass."""
    words = []
    for word in _WORD.findall(_FILE_NAME.sub(" ", text)):
        if word in ALLOWED or word.isupper() or any(c.isdigit() for c in word):
            continue
        words.append(word)
    return words


# What a person sees: text nodes that are drawn (not hidden, not 0 px, not a 1 px screen-reader
# box, not a Material icon's ligature name: those are aria-hidden and translate="no"), empty
# fields' placeholders, and CSS-generated text. (page.inner_text would count text hidden with
# font-size 0 and miss placeholders.) A code block is code: the scoring scheme is a TOML file
# whose keys are English by design, shown as the file the evaluator downloads and edits (a code
# block, or the text area of 高级：TOML 文本: a field's own content is the file, not page text).
VISIBLE_TEXT = """() => {
  const out = [];
  const shown = (el) => el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement, text = n.textContent.trim();
    if (!text || !el || !shown(el)) continue;
    if (el.closest('[aria-hidden="true"][translate="no"], [data-testid="stCode"], textarea, script, style, template')) continue;
    if (parseFloat(getComputedStyle(el).fontSize) === 0) continue;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;
    out.push(text);
  }
  for (const el of document.querySelectorAll('input[placeholder], textarea[placeholder]')) {
    if (!el.value && shown(el)) out.push(el.placeholder);
  }
  for (const el of document.querySelectorAll('body *')) {
    for (const pseudo of ['::before', '::after']) {
      const content = getComputedStyle(el, pseudo).content;
      if (content && content.startsWith('"')) out.push(content.slice(1, -1));
    }
  }
  return out.join('\\n');
}"""


def visible_text(page) -> str:
    return page.evaluate(VISIBLE_TEXT)


def test_the_english_word_check_finds_words_and_spares_codes():
    text = "Drag and drop file here 2025Q3 JZKF-CXCY e2e_office 报送(.xlsx) portal-backup-20251010-120000.zip"
    assert english_words(text) == ["Drag", "and", "drop", "file", "here"]
    assert english_words("备份 backup.zip 已创建，backup 已完成") == ["backup"]
