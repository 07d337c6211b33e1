"""pipeline: the plain steps of the intake (no Prefect), and the composition root.

    runtime        Settings -> live handles (engine, blobs, mailbox, outbox, matcher)
    receive        raw email -> blob store + mail ledger, before anything else
    record         stored email -> submission, documents, returns, organisation
    acknowledge    at most one plain-words reply per submission
    settle         ledger final, email moved, claim released
    organisations  whose return is it: the register matcher
    assign         a person settles an unmatched submission
    claims         is a claim's holder still alive

Each step is a function of a `Runtime` and plain values, tested without Prefect;
`flows/` wraps them as tasks.
"""
