import pytest

from ewtp.logistics.s10 import check_digit, dhl_waybill, is_valid_s10, s10


@pytest.mark.parametrize(("serial", "digit"), [
    ("12345678", 5),  # the UPU S10 worked example: EW 12345678 5 MY
    ("00000008", 0),  # 8 x 7 = 56 = 1 mod 11: 11 - 1 = 10 -> 0
    ("00000000", 5),  # 11 - 0 = 11 -> 5
    ("00000001", 4),
])
def test_check_digit(serial, digit):
    assert check_digit(serial) == digit


def test_numbers_are_formed_and_validated():
    assert s10("EW", 12345678, "MY") == "EW123456785MY"
    assert is_valid_s10("EW123456785MY")
    assert not is_valid_s10("EW123456784MY")  # wrong check digit
    assert not is_valid_s10("EW12345678MY") and not is_valid_s10("ew123456785my")
    assert s10("CW", 10**8 + 7, "CN")[2:10] == "00000007"  # the serial space wraps
    with pytest.raises(ValueError):
        check_digit("1234567")


def test_every_serial_gets_a_valid_number():
    assert all(is_valid_s10(s10("EW", n, "BE")) for n in range(0, 10**8, 9_999_991))


def test_dhl_waybill_check_digit_is_mod_7():
    n = dhl_waybill(123456789)
    assert n == "1234567891" and len(n) == 10 and int(n[:9]) % 7 == int(n[9])
