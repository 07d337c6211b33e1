"""Positioned words and ruling lines into paragraphs and tables (text PDFs and scans).

    types    Word, Rule, Box, PageLayout: what a page reader gives the engine
    lines    words -> lines -> paragraphs (spacing, fit, list markers, hyphen joins)
    tables   ruling lines -> grids of cells (incl. horizontal-rule-only tables)
    forms    label | value tables that rules do not fully draw (shaded labels, no rules)
    engine   pages -> document blocks; running headers and footers removed, items
             joined across pages
"""
