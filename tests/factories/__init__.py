"""Builders shared by the tests and the benchmarks (`bench/` imports them too).

    forms      filled official forms (.docx) and free-form Word returns, built in code
    emails     synthetic emails: attachments, forwards, zips (MessageBuilder)
    bad_files  damaged, encrypted, renamed and oversized documents
    returns    canonical `Return` records (warehouse and check tests)

Fixtures (servers, temporary databases) live in the `*_fixtures` modules beside this
package; these are plain functions and classes with no pytest in them.
"""
