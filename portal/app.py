"""Streamlit entry point: navigation declared once, as data. Pages live in ../pages."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

st.set_page_config(page_title="科技创新任务调度考核平台", page_icon="📊", layout="wide")

PAGES = [st.Page(str(ROOT / "pages" / "home.py"), title="概览", icon="🏠", default=True)]

st.navigation(PAGES).run()
