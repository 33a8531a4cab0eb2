"""JSON documents for China checked against the same GACC 2022-05 schema as XML pushes: each is
serialised to its CEB message (CEB621 signed, as its schema requires) and validated.

A batch is checked in messages of up to 100 documents (the schema's limit per message) instead of
one message each. Valid messages of several documents mean valid messages of one: the schema has
no identity constraints (key, keyref, unique) between documents and checks each document's
element on its own, and a message of one document meets every count the larger one met. A
message that fails is checked again document by document, so each refused document gets the
very error a message of its own gives.
"""

from __future__ import annotations

from collections.abc import Sequence

from ewtp.core.errors import ValidationFailed
from ewtp.customs.xml.documents import Transfer
from ewtp.customs.xml.produce import message_for, produce
from ewtp.customs.xml.safe import XmlRefused

HUB_TRANSFER = Transfer(cop_code="EWTPHUB", cop_name="eWTP hub", dxp_id="EWTPHUB")
PER_MESSAGE = 100  # the schema's maxOccurs for the documents of one message


def refusal(doc) -> ValidationFailed | None:
    """The schema's verdict on one document, in a message of its own."""
    try:
        produce(message_for([doc], HUB_TRANSFER))  # CEB621 gets the hub signature its schema requires
    except XmlRefused as exc:
        return ValidationFailed("the document breaks the GACC 2022-05 schema",
                                fields={v.element.rsplit(":", 1)[-1]: [v.message] for v in exc.violations})
    return None


def refusals(docs: Sequence) -> list[ValidationFailed | None]:
    """`refusal` of each document (of one kind), in messages of up to 100."""
    out: list[ValidationFailed | None] = []
    for n in range(0, len(docs), PER_MESSAGE):
        group = list(docs[n:n + PER_MESSAGE])
        try:
            produce(message_for(group, HUB_TRANSFER))
        except XmlRefused:
            out += [refusal(d) for d in group]
        else:
            out += [None] * len(group)
    return out
