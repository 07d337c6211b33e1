"""Whose return is it? Match a return to the register, never guessing.

The name written on the form is compared with every register name and alias
(normalised: case, "&"/"and", "The", punctuation), first exactly, then fuzzily
(rapidfuzz) to allow small misspellings. The sender's address is compared with the
register's contact domains. A confident answer needs one organisation to win clearly;
when name and sender point at different organisations, or nothing matches well
enough, the result is unmatched with a reason a person can act on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from schemas.register import RegisterEntry

NAME_THRESHOLD = 90.0  # token-sort ratio needed for a fuzzy name match
NAME_MARGIN = 5.0  # ... and by this much over the next organisation
PUBLIC_MAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com", "hotmail.com", "hotmail.co.uk", "outlook.com",
                                 "yahoo.com", "yahoo.co.uk", "btinternet.com", "aol.com", "live.co.uk"})


@dataclass(frozen=True)
class Match:
    org_id: str | None
    reason: str
    by: str  # "name", "name+sender", "sender", "none", "conflict"


def normalise_name(name: str) -> str:
    n = name.lower().replace("&", " and ").replace("’", "'")
    n = re.sub(r"[^a-z0-9' ]+", " ", n)
    n = re.sub(r"\b(the|limited|ltd)\b", " ", n)
    return re.sub(r"\s+", " ", n).strip()


class Matcher:
    """The register prepared for matching (build once per run)."""

    def __init__(self, register: Iterable[RegisterEntry]) -> None:
        self.entries = {e.org_id: e for e in register}
        self._names: dict[str, str] = {}
        for e in self.entries.values():
            for n in (e.name, *e.aliases):
                self._names.setdefault(normalise_name(n), e.org_id)
        self._contacts = {e.contact_email.strip().lower() for e in self.entries.values() if e.contact_email}
        self._domains: dict[str, str] = {}
        for e in self.entries.values():
            domain = (e.contact_email or "").rpartition("@")[2].lower()
            if domain and domain not in PUBLIC_MAIL_DOMAINS:
                self._domains.setdefault(domain, e.org_id)

    def by_name(self, name: str | None) -> tuple[str | None, str]:
        if not name:
            return None, "the return does not give an organisation name"
        n = normalise_name(name)
        if n in self._names:
            return self._names[n], f'the name "{name}" is on the register'
        hits = process.extract(n, self._names.keys(), scorer=fuzz.token_sort_ratio, limit=5)
        best: dict[str, float] = {}
        for candidate, score, _ in hits:
            org = self._names[candidate]
            best[org] = max(best.get(org, 0.0), score)
        ranked = sorted(best.items(), key=lambda kv: kv[1], reverse=True)
        clear = len(ranked) == 1 or (len(ranked) > 1 and ranked[0][1] - ranked[1][1] >= NAME_MARGIN)
        if ranked and ranked[0][1] >= NAME_THRESHOLD and clear:
            org = ranked[0][0]
            return org, f'the name "{name}" is close to "{self.entries[org].name}" ({ranked[0][1]:.0f}%)'
        if ranked and ranked[0][1] >= 75:
            return None, f'the name "{name}" is not on the register (closest: "{self.entries[ranked[0][0]].name}")'
        return None, f'the name "{name}" is not on the register'

    def by_sender(self, sender: str | None) -> str | None:
        if not sender or "@" not in sender:
            return None
        domain = sender.rsplit("@", 1)[-1].lower().strip(">")
        if domain in self._domains:
            return self._domains[domain]
        # a sub-domain of a registered domain (socialwork.fife.council.example)
        for d, org in self._domains.items():
            if domain.endswith("." + d):
                return org
        return None

    def knows_sender(self, sender: str | None) -> bool:
        """True when `sender` is a register contact address, or from a contact's domain
        (not a public mail service): someone the division may answer (no backscatter)."""
        if not sender or "@" not in sender:
            return False
        return sender.strip().lower() in self._contacts or self.by_sender(sender) is not None

    def suggest(self, text: str) -> str | None:
        """The register id someone probably meant by `text` (a name typed instead of
        an id: "Fife Council" -> "fife"), or None."""
        org, _ = self.by_name(text)
        if org is not None:
            return org
        hits = process.extract(normalise_name(text), self._names.keys(), scorer=fuzz.token_sort_ratio, limit=1)
        return self._names[hits[0][0]] if hits and hits[0][1] >= 60 else None

    def match(self, name: str | None, sender: str | None) -> Match:
        by_name, why = self.by_name(name)
        by_sender = self.by_sender(sender)
        if by_name and by_sender and by_name != by_sender:
            return Match(None, f'{why}, but the sender {sender} is from '
                               f'{self.entries[by_sender].name}: a person must decide', "conflict")
        if by_name:
            return Match(by_name, why, "name+sender" if by_sender else "name")
        if by_sender and not name:
            return Match(by_sender, f"the return gives no organisation name; the sender {sender} is "
                                    f"{self.entries[by_sender].name}'s address", "sender")
        if by_sender:
            return Match(None, f"{why}; the sender is from {self.entries[by_sender].name}: a person must decide",
                         "conflict")
        return Match(None, why, "none")
