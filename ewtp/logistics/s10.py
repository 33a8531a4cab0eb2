"""UPU S10 item identifiers (UPU standard S10-12): two letters for the service, an eight-digit
serial number, a check digit, and the ISO 3166-1 alpha-2 code of the issuing operator's country,
e.g. EW123456785MY. The check digit weighs the serial's digits 8, 6, 4, 2, 3, 5, 9, 7, takes
11 - (sum mod 11), and writes 10 as 0 and 11 as 5. Also the ten-digit DHL Express waybill number,
whose last digit is the first nine modulo 7."""

from __future__ import annotations

import re

from ewtp.core.parse import digits

WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
SERIALS = 10**8
S10 = re.compile(r"^([A-Z]{2})(\d{8})(\d)([A-Z]{2})$")


def check_digit(serial: str) -> int:
    if len(serial) != 8 or not digits(serial):
        raise ValueError("an S10 serial number is eight digits")
    c = 11 - sum(int(d) * w for d, w in zip(serial, WEIGHTS, strict=True)) % 11
    return 0 if c == 10 else 5 if c == 11 else c


def s10(service: str, serial: int, country: str) -> str:
    if not re.fullmatch(r"[A-Z]{2}", service) or not re.fullmatch(r"[A-Z]{2}", country):
        raise ValueError("service indicator and country are two capital letters")
    digits = f"{serial % SERIALS:08d}"  # the serial space wraps after 10^8 items
    return f"{service}{digits}{check_digit(digits)}{country}"


def is_valid_s10(number: str) -> bool:
    m = S10.match(number)
    return bool(m) and check_digit(m.group(2)) == int(m.group(3))


def dhl_waybill(serial: int) -> str:
    body = f"{serial % 10**9:09d}"
    return f"{body}{int(body) % 7}"
