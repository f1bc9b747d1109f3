"""Every page as each role sees it in Chromium, every tab and expander opened: no English word is
visible except proper names and codes (Streamlit has no locale; its own widget texts are replaced)."""

import re

import pytest

from portal.ui.navigation import pages_for
from tests.e2e.conftest import PEOPLE, go, settle, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

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


def english_words(text: str) -> list[str]:
    """Latin words in `text` that are not codes: all-capital tokens and tokens with digits (unit,
    plan and indicator codes such as JZKF-CXCY, 2025Q3, XY; account names like e2e_office) and
    the allow-list pass."""
    words = []
    for word in _WORD.findall(text):
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


def _open_everything(page) -> str:
    """The page's visible text with each tab shown in turn and every expander opened."""
    texts = [visible_text(page)]
    tabs = page.locator("[data-testid='stMain'] [role='tab']")
    for i in range(max(tabs.count(), 1)):
        if tabs.count() > i and tabs.nth(i).is_visible():  # a tab inside a closed expander waits for it
            tabs.nth(i).click()
            page.wait_for_timeout(150)
        expanders = page.locator("[data-testid='stMain'] [data-testid='stExpander'] summary")
        for j in range(expanders.count()):
            if expanders.nth(j).is_visible():
                expanders.nth(j).click()
        page.wait_for_timeout(150)
        texts.append(visible_text(page))
    return "\n".join(texts)


def test_the_english_word_check_finds_words_and_spares_codes():
    text = "Drag and drop file here 2025Q3 JZKF-CXCY e2e_office 报送(.xlsx)"
    assert english_words(text) == ["Drag", "and", "drop", "file", "here"]


# The office reviewer's pages include 数据上报 (the uploaders) and 系统管理's office tabs; the
# evaluator's 年度考核 (the bonus form, the scheme uploader).
@pytest.mark.parametrize("username", ["e2e_office", "e2e_eval"])
def test_no_english_word_is_visible_on_any_page(server, browser_page, username):
    page = browser_page
    role = PEOPLE[username][0]
    sign_in(page, server, username)
    found = {}
    for i, spec in enumerate(pages_for(role)):
        go(page, spec.title, spec.url_path if i else None)
        text = _open_everything(page)
        settle(page)
        shot(page, f"chinese-{role.value}-{spec.url_path}")
        words = english_words(text)
        if words:
            found[spec.title] = sorted(set(words))
    assert found == {}, "\n".join(f"{title}: {words}" for title, words in found.items())
