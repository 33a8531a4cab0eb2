"""Transport document numbers: IATA air waybills, sea bills of lading, UPU S10 item ids.

- Air waybill (IATA Resolution 600a / Cargo-IMP): a 3-digit airline prefix, a dash, a 7-digit
  serial and a check digit = serial mod 7, e.g. "784-12345675" (1234567 mod 7 = 5).
- Bill of lading (DCSA / ISO 6346 carrier codes): the carrier's 4-letter SCAC code followed by
  its own reference, e.g. "MAEU" + 9 digits for Maersk; we accept SCAC + 6..12 letters/digits.
- UPU S10 item identifier: 2 letters, 8 digits, a check digit (weights 8 6 4 2 3 5 9 7, mod 11:
  11 - r, with 10 -> 0 and 11 -> 5), a 2-letter country code, e.g. "RR123456785CN".
"""

from __future__ import annotations

import re

from ewtp.core.errors import ValidationFailed
from ewtp.logistics.s10 import check_digit, s10

AWB_RE = re.compile(r"^(\d{3})-(\d{7})(\d)$")
BOL_RE = re.compile(r"^[A-Z]{4}[A-Z0-9]{6,12}$")
ROAD_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{5,19}$")  # a CMR consignment note number


def awb_check_digit(serial: str) -> int:
    return int(serial) % 7


def make_awb(prefix: str, serial: int) -> str:
    s = f"{serial:07d}"
    return f"{prefix}-{s}{awb_check_digit(s)}"


def is_valid_awb(number: str) -> bool:
    m = AWB_RE.match(number)
    return bool(m) and awb_check_digit(m.group(2)) == int(m.group(3))


# UPU S10 lives in s10.py; these names are kept for the callers that group document numbers here
s10_check_digit = check_digit
make_s10 = s10


def check_waybill_number(mode: str, number: str) -> str:
    """The master waybill number for a line-haul of `mode`, or a field error saying what is expected."""
    number = number.strip().upper()
    if mode == "air":
        if not is_valid_awb(number):
            raise ValidationFailed.field(
                "number", "an IATA air waybill number: 3-digit prefix, dash, 7 digits and a mod-7 check digit")
    elif mode == "sea":
        if not BOL_RE.match(number):
            raise ValidationFailed.field("number", "a bill of lading number: 4-letter SCAC code and 6-12 letters/digits")
    elif not ROAD_RE.match(number):
        raise ValidationFailed.field("number", "a consignment note number: 6-20 letters, digits or dashes")
    return number
