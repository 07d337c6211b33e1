"""pipeline: the plain steps of the intake (no Prefect), and the composition root.

    runtime        Settings -> live handles (engine, blobs, mailbox, outbox, matcher)
    receive        raw email -> blob store + mail ledger, before anything else
    record         stored email -> submission, documents, returns, organisation
    verdict        the submission's status and reason, in words
    failures       the email boundary: one email's failure is its own outcome (tried
                   again on later runs, then quarantined), never the batch's
    acknowledge    at most one plain-words reply per submission
    settle         ledger final, email moved, claim released
    organisations  whose return is it: the register matcher
    assign         a person settles whose submission this is (unmatched or not)
    claims         is a claim's holder still alive
    sandbox        untrusted parsing (documents, MIME) in worker processes bounded in
                   time and memory (sandbox_worker: the child side)

Each step is a function of a `Runtime` and plain values, tested without Prefect;
`flows/` wraps them as tasks.
"""
