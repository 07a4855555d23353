"""Trust by default: consent per purpose, the right of access, the right to erasure, and the audit trail.

- `consent`: `(Customer)-[:GAVE]->(Consent {purpose, granted, ts, source, actor})`, one node per decision, so the
  history is kept; the latest decision per purpose is the one that counts, by one rule
  (`cypher/fragments/latest-decision.cypher`) that every reader and writer uses. `Customer.refused` lists the purposes
  whose latest decision refuses them: derived data, rewritten from the whole history by every consent writer
  (`cypher/fragments/refresh-refused.cypher`), so aggregates can leave out analytics refusals with one property test.
  See docs/privacy.md for how processing respects it (profiling, marketing, analytics).
- `audit`: `AuditEntry {id, ts, actor, action, subject, detail}` nodes, appended and never changed. They never hold
  personal data: a customer appears only as `customer_ref(customer_id, key)`, a keyed hash whose key lives in the
  configuration (`graph.keys`), never in the graph. So an entry about `sydney` survives her erasure without naming
  her, and an admin who knows an id can still find its entries by computing the same reference.
- `export`: everything the twin holds about one person (the right of access).
- `erasure`: works from the `ErasureTargets` of a customer (collected before anything is deleted, so the parts outside
  the graph can be scrubbed too), deletes or rewrites leaf data first and the customer node last, so an interrupted
  erasure converges when run again; a second erasure of the same id finds nothing and changes nothing.
"""

from graph.privacy.audit import (
    ANONYMIZED,
    CONSENT_CHANGED,
    DEFAULT_AUDIT_LIMIT,
    ERASED,
    EXPORTED,
    PII_READ,
    AuditEntry,
    audit,
    audit_log,
    customer_ref,
)
from graph.privacy.consent import (
    PURPOSES,
    ConsentDecision,
    consent_id,
    consents,
    latest_consents,
    refresh_refused,
    refused,
    set_consent,
)
from graph.privacy.erasure import (
    ERASURE_MODES,
    ErasureMode,
    ErasureResult,
    ErasureTargets,
    OutsideScrub,
    erase_customer,
    erasure_targets,
)
from graph.privacy.export import export_customer

__all__ = ["ANONYMIZED", "CONSENT_CHANGED", "DEFAULT_AUDIT_LIMIT", "ERASED", "ERASURE_MODES", "EXPORTED", "PII_READ",
           "PURPOSES", "AuditEntry", "ConsentDecision", "ErasureMode", "ErasureResult", "ErasureTargets",
           "OutsideScrub", "audit", "audit_log", "consent_id", "consents", "customer_ref", "erase_customer",
           "erasure_targets", "export_customer", "latest_consents", "refresh_refused", "refused", "set_consent"]
