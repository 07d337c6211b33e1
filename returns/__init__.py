"""returns: intake pipeline for statutory self assessment returns.

The application package: command line (`cli`), settings, the error tree and the
bundled run-time data (register, official form, demo returns). The domain lives in
the sibling packages `schemas`, `extractors`, `warehouse`, `intake` and `flows`.
"""

__version__ = "0.1.0"
