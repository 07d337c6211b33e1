"""cli: the `returns` command line, at the top of the import graph.

    app       the commands (typer): parse, call a step or a flow, print
    boundary  one line on stderr and an exit status for any failure, the detail logged
    files     the one file `returns extract` reads: regular, within the size limit
    views     tables and JSON lines people read (submissions)
    folder    `returns folder`: extract every return in a folder, one row each
    demo      the first-run demo: seed the local Maildir with the bundled returns
"""
