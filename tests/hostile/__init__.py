"""A hostile corpus built in code: files made to hang, exhaust or trick the readers.

    build   one function per hostile file: PDF loops and bombs, renamed types,
            hostile file names; and (from office) Word bombs, external references,
            macros, RTF field includes
    office  the Word and RTF builders
"""
