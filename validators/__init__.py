"""Checks over a parsed workbook (file safety, structure, Pandera, Great Expectations) and the report."""
