"""Scanned pages into positioned words (Tesseract), for the layout engine.

    reader     pages without a text layer: render, clean, Tesseract words -> PageLayout
    tesseract  one Tesseract run on an image, its errors in words
    rereads    words read again from crops: unsure, unknown, stray marks, unread regions
    lexicon    Tesseract's English word list, to tell a misread word
    image      binarise, deskew, despeckle, ruling lines, ink regions (numpy)
    words      OcrWord and text clean-ups (accents, glued punctuation, bullets, e-mail)
    marks      clean-ups checked against the ink: tick boxes, signatures, noise, stray marks
    glyphs     glyph shapes checked against the ink: bullets, dashes, "Arapid"
    slips      slips the words around them give away: quotes, citations, stray full stops
"""
