"""One error tree for the whole project.

    ReturnsError
    ├── TerminalError            no retry: quarantine the input with the message
    │   ├── DocumentError        a document cannot be turned into a return
    │   │   ├── UnreadableDocument   corrupt, truncated, empty
    │   │   ├── EncryptedDocument    password-protected or encrypted
    │   │   ├── UnsupportedDocument  a type we do not read (spreadsheet, image...)
    │   │   ├── DocumentTooLarge     over the page or byte limit, or needs more memory
    │   │   │                        than the parse sandbox allows
    │   │   ├── DocumentTimeout      took longer than the parse sandbox allows
    │   │   └── NotAReturn           readable, but not a self assessment return
    │   ├── MessageUnreadable    an email's MIME took too long or too much memory to parse
    │   ├── ConfigurationError   settings, register or collection data are wrong
    │   ├── MessageRejected      the mail server refused a message for good (5xx)
    │   ├── NotFound             a person or a step named something that is not there
    │   │   ├── UnknownSubmission    no submission has this number
    │   │   ├── UnknownOrganisation  no register entry has this id
    │   │   └── BlobNotFound         no stored bytes have this SHA-256
    │   └── RefusedChange        the change would break a rule of the warehouse
    │       └── LedgerStatusRefused  a final mail-ledger status overwritten without force
    └── TransientError           retried (Prefect's retry_condition_fn reads the class)
        ├── ConversionTimeout    LibreOffice or Tesseract did not finish in time
        ├── MailboxUnavailable   IMAP / Maildir could not be reached
        ├── OutboxUnavailable    SMTP could not be reached
        ├── WarehouseUnavailable the database could not be reached
        ├── BlobStoreUnavailable the raw store could not be written or read (disk full)
        └── SandboxUnavailable   no parse worker could be started (out of processes, memory)

Messages name the object and the action ("s003.pdf: page 3 has no text layer and OCR
failed: ...") because they are shown to people and sent back to organisations.
Library exceptions are converted at the boundary with `raise ... from err`.
"""

from __future__ import annotations


class ReturnsError(Exception):
    """Base of every error this project raises on purpose."""


class TerminalError(ReturnsError):
    """Retrying will not help: the input or the configuration is wrong."""


class TransientError(ReturnsError):
    """Retrying may help: an outside system was unavailable or slow."""


class DocumentError(TerminalError):
    """A document could not be turned into a return."""


class UnreadableDocument(DocumentError):
    """The bytes are corrupt, truncated or empty."""


class EncryptedDocument(DocumentError):
    """The document is encrypted or password-protected."""


class UnsupportedDocument(DocumentError):
    """The document is of a type that no extractor reads."""


class DocumentTooLarge(DocumentError):
    """The document is over a size or page limit."""


class DocumentTimeout(DocumentError):
    """Reading the document took longer than the time limit (the reader was killed).

    Terminal, not transient: the same bytes would take as long again."""


class NotAReturn(DocumentError):
    """The document is readable but is not a self assessment return."""


class MessageUnreadable(TerminalError):
    """An email's MIME structure could not be parsed within the time or memory limit."""


class ConfigurationError(TerminalError):
    """Settings or collection data are missing or invalid."""


class MessageRejected(TerminalError):
    """The mail server permanently refused this message (5xx): bad recipient or sender."""


class DeliveryUncertain(TerminalError):
    """The mail server was handed the message but the connection failed before it said
    it had taken it: it may have been delivered. Never sent again automatically."""


class NotFound(TerminalError):
    """Something named by a person or a step is not there."""


class UnknownSubmission(NotFound):
    """No submission has this id."""


class UnknownOrganisation(NotFound):
    """No organisation in the register has this id."""


class BlobNotFound(NotFound):
    """No blob with this SHA-256 is in the store."""


class RefusedChange(TerminalError):
    """A requested change would break a rule the warehouse keeps."""


class LedgerStatusRefused(RefusedChange):
    """A final ledger status would have been overwritten without `force=True`."""


class ConversionTimeout(TransientError):
    """An outside converter (LibreOffice, Tesseract) ran out of time."""


class MailboxUnavailable(TransientError):
    """The mailbox could not be reached or dropped the connection."""


class OutboxUnavailable(TransientError):
    """The outgoing mail server could not be reached."""


class WarehouseUnavailable(TransientError):
    """The warehouse database could not be reached."""


class BlobStoreUnavailable(TransientError):
    """The store's folder could not be written or read (disk full, permissions)."""


class SandboxUnavailable(TransientError):
    """No parse worker could be started: the machine is out of processes or memory."""


def is_transient(exc: BaseException) -> bool:
    """True when retrying the failed operation may succeed."""
    return isinstance(exc, TransientError)
