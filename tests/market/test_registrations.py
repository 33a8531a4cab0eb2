import pytest

from ewtp.market.registrations import is_valid


@pytest.mark.parametrize(
    ("scheme", "number", "ok"),
    [
        ("EU-IOSS", "IM2760000001", True),
        ("EU-IOSS", "IM27600001", False),
        ("GB-VAT", "GB 980 7806 84", True),  # passes HMRC's modulus-97 check
        ("GB-VAT", "GB980780685", False),
        ("AU-GST", "51 824 753 556", True),  # the ATO's published example ABN
        ("AU-GST", "51 824 753 557", False),
        ("AU-GST", "300000000001", True),  # 12-digit ARN of a simplified-GST registrant
        ("NZ-GST", "49-091-850", True),  # IRD's published example numbers
        ("NZ-GST", "136-410-132", True),
        ("NZ-GST", "136-410-133", False),
        ("SG-OVR", "M90371234X", True),
        ("MY-LVG", "W10-1808-31000123", True),
        ("MY-LVG", "W10180831000123", False),
        ("NO-VOEC", "VOEC2012345", True),
        ("CH-VAT", "CHE-116.281.710 MWST", True),  # UID check digit valid
        ("CH-VAT", "CHE-116.281.711 MWST", False),
        ("XX-NOPE", "123", False),
    ],
)
def test_registration_formats(scheme, number, ok):
    assert is_valid(scheme, number) is ok
