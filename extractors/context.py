"""What a reader is given besides the bytes: a frozen context built at the edge.

    ExtractContext(collection, limits, filename)

The collection in use (its vocabulary, field map and page limit), the bounds that keep
one hostile file from taking the pipeline down, and the file's name for messages.
Built once by the caller (`ExtractContext.build`), never read from the environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from extractors.limits import Limits
from schemas import Collection, load_collection


@dataclass(frozen=True)
class ExtractContext:
    collection: Collection
    limits: Limits = field(default_factory=Limits)
    filename: str | None = None

    @property
    def name(self) -> str:
        """How messages name the document."""
        return self.filename or "document"

    @classmethod
    def build(
        cls,
        filename: str | None = None,
        collection: Collection | str | None = None,
        limits: Limits | None = None,
    ) -> ExtractContext:
        """A context for one document: the collection by object or id (default: the
        bundled one), limits defaulting to the collection's page limit."""
        if not isinstance(collection, Collection):
            collection = load_collection(collection) if collection else load_collection()
        return cls(collection, limits or Limits(max_pages=collection.max_pages), filename)

    def named(self, filename: str | None) -> ExtractContext:
        """The same context for another file."""
        return ExtractContext(self.collection, self.limits, filename)
