"""mail: the outside mail systems, and what is inside a message. Nothing here touches
the warehouse or Prefect; `pipeline` wires these to the steps.

    Mailbox (Protocol)          mailbox    where submissions are read from
    ├── ImapMailbox             imap       production IMAP (TLS/STARTTLS, XOAUTH2)
    └── MaildirMailbox          maildir    embedded default, unit tests
    mailbox_from_url(url)       connect    "maildir:PATH", "imap://", "imaps://" ...
    Outbox (Protocol)           outbox     where acknowledgements and chases are sent
    ├── SmtpOutbox                         production SMTP (STARTTLS/TLS, AUTH)
    └── MaildirOutbox                      embedded default: nothing leaves the machine
    outbox_from_url(url)        outbox     "maildir:PATH", "smtp://", "smtps://" ...
    URL parsing helpers         urls
    parse_message(raw, limits)  mime       raw RFC 822 bytes -> ParsedMessage
"""
