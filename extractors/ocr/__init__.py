"""Scanned pages into positioned words (Tesseract), for the layout engine.

    reader   pages without a text layer: render, clean, Tesseract words -> PageLayout
    image    binarise, deskew, despeckle, ruling lines, ink regions (numpy)
    words    OcrWord and text clean-ups (accents, glued punctuation, bullets, e-mail)
    marks    clean-ups checked against the ink: tick boxes, signatures, noise, stray marks
"""
