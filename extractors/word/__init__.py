"""Word documents into blocks.

    reader    .docx / .docm: the body and styles XML walked directly (content controls,
              tracked changes accepted, text boxes, lists, soft breaks, legacy check boxes)
    legacy    .doc / .rtf: headless LibreOffice (own profile, macros off, time limit)
              converts to .docx, then `reader`

The zip guard both use is `extractors.zipguard` (type detection needs it too).
"""
