"""Tax registration schemes a seller can hold, with number formats checked before saving.

Formats (and check digits where the authority publishes the algorithm):
- EU-IOSS: "IM" + 3-digit member-state code + 7 digits (Commission IOSS guidance, Explanatory Notes 2020).
- GB-VAT: "GB" + 9 digits (or 12 for branches) — HMRC VAT Notice 700/1; modulus-97 check (HMRC VAT
  number validation, both the original and the 55-offset series).
- AU-GST: an 11-digit ABN with the ATO's ABN check (weights 10,1,3,...,19, mod 89) or a 12-digit ATO
  reference number (ARN) issued to non-resident simplified-GST registrants.
- NZ-GST: IRD number of 8 or 9 digits with IRD's modulus-11 check digit.
- SG-OVR: IRAS GST registration number: "M" + 8 digits + letter, or a UEN (9 or 10 characters).
- MY-LVG: RMCD LVG/SST registration number, e.g. "W10-1808-31000123" (letter, 2 digits, 4, 8).
- NO-VOEC: "VOEC" + 7 digits (Skatteetaten VOEC number).
- CH-VAT: "CHE" + 9 digits with the UID modulus-11 check, optional "MWST"/"TVA"/"IVA".
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ewtp.core.parse import digits

SCHEMES = ["EU-IOSS", "GB-VAT", "AU-GST", "NZ-GST", "SG-OVR", "MY-LVG", "NO-VOEC", "CH-VAT"]


def _digits(s: str) -> str:
    return re.sub(r"[\s.\-]", "", s)


def _gb_vat(n: str) -> bool:
    n = _digits(n).upper()
    if not re.fullmatch(r"GB(\d{9}|\d{12})", n):
        return False
    d = [int(c) for c in n[2:11]]
    total = sum(w * x for w, x in zip(range(8, 1, -1), d[:7], strict=True)) + int("".join(map(str, d[7:9])))
    return total % 97 == 0 or (total + 55) % 97 == 0


def _abn(n: str) -> bool:
    d = [int(c) for c in n]
    d[0] -= 1
    weights = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19]
    return sum(w * x for w, x in zip(weights, d, strict=True)) % 89 == 0


def _au_gst(n: str) -> bool:
    n = _digits(n)
    return (len(n) == 11 and digits(n) and _abn(n)) or (len(n) == 12 and digits(n))


def _nz_ird(n: str) -> bool:
    n = _digits(n)
    if not digits(n) or len(n) not in (8, 9):
        return False
    n = n.zfill(9)
    base, check = [int(c) for c in n[:8]], int(n[8])
    for weights in ([3, 2, 7, 6, 5, 4, 3, 2], [7, 4, 3, 2, 5, 2, 7, 6]):
        r = sum(w * x for w, x in zip(weights, base, strict=True)) % 11
        c = 0 if r == 0 else 11 - r
        if c != 10:
            return c == check
    return False


def _ch_uid(n: str) -> bool:
    n = re.sub(r"\s*(MWST|TVA|IVA)$", "", n.strip().upper())
    d = _digits(n)
    if not re.fullmatch(r"CHE\d{9}", d):
        return False
    digits = [int(c) for c in d[3:]]
    r = 11 - sum(w * x for w, x in zip([5, 4, 3, 2, 7, 6, 5, 4], digits[:8], strict=True)) % 11
    return r != 10 and (0 if r == 11 else r) == digits[8]


VALIDATORS: dict[str, Callable[[str], bool]] = {
    "EU-IOSS": lambda n: re.fullmatch(r"IM\d{10}", _digits(n).upper()) is not None,
    "GB-VAT": _gb_vat,
    "AU-GST": _au_gst,
    "NZ-GST": _nz_ird,
    "SG-OVR": lambda n: re.fullmatch(r"M\d{8}[A-Z]|\d{8,9}[A-Z]|[ST]\d{2}[A-Z]{2}\d{4}[A-Z]", _digits(n).upper()) is not None,
    "MY-LVG": lambda n: re.fullmatch(r"[A-Z]\d{2}-\d{4}-\d{8}", n.strip().upper()) is not None,
    "NO-VOEC": lambda n: re.fullmatch(r"VOEC\d{7}", _digits(n).upper()) is not None,
    "CH-VAT": _ch_uid,
}


def normalise(scheme: str, number: str) -> str:
    return number.strip().upper()


def is_valid(scheme: str, number: str) -> bool:
    check = VALIDATORS.get(scheme)
    return bool(check and number and len(number) <= 40 and check(number))
