"""XML-DSig enveloped signature for CEB messages, as the GACC specification (section 6) fixes it.

What is signed: the whole message element (Reference URI="", enveloped-signature transform, so
everything except the ds:Signature itself: every document, BaseTransfer, BaseSubscribe,
ExtendMessage), canonicalised with C14N 1.0 (REC-xml-c14n-20010315, without comments). Then the
canonical SignedInfo is signed. What is not signed: the XML declaration, comments, and anything
outside the root element. KeyInfo carries the hub's certificate (and a KeyName) so customs can
check the signature; it is not itself covered.

Algorithms: the specification allows SM2-SM3 (national, needs a certified device) or the
"general" RSA-SHA1 with SHA1 digests. The hub signs with RSA-SHA1 by default because that is what
the single window accepts; EWTP_CUSTOMS_SIGNATURE=rsa-sha256 switches to RSA-SHA256 (stronger,
for partners that accept it). Verification accepts both.

The hub key: EWTP_CUSTOMS_SIGNING_KEY / EWTP_CUSTOMS_SIGNING_CERT (PEM paths) when set; otherwise a
2048-bit RSA key and self-signed certificate generated once into var/customs/ (mode 0600), never
in the repository. A production hub uses the device certificate issued by the data centre.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from ewtp.config import VAR_DIR
from ewtp.customs.xml.safe import DS_NS

_D = "{" + DS_NS + "}"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
ALGORITHMS = {
    "rsa-sha1": ("http://www.w3.org/2000/09/xmldsig#rsa-sha1", "http://www.w3.org/2000/09/xmldsig#sha1",
                 hashes.SHA1, "sha1"),
    "rsa-sha256": ("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "http://www.w3.org/2001/04/xmlenc#sha256",
                   hashes.SHA256, "sha256"),
}
_BY_SIG_URI = {v[0]: k for k, v in ALGORITHMS.items()}
_DIGEST_BY_URI = {v[1]: v[3] for v in ALGORITHMS.values()}


class SignatureInvalid(Exception):
    pass


@dataclass(frozen=True)
class HubKey:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate
    name: str = "ewtp-hub"


def _generate(key_path: Path, cert_path: Path) -> None:
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "eWTP hub customs signing"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "eWTP hub")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650)).sign(key, hashes.SHA256()))
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


@cache
def hub_key() -> HubKey:
    key_path = Path(os.environ.get("EWTP_CUSTOMS_SIGNING_KEY") or VAR_DIR / "customs" / "signing-key.pem")
    cert_path = Path(os.environ.get("EWTP_CUSTOMS_SIGNING_CERT") or VAR_DIR / "customs" / "signing-cert.pem")
    if not key_path.exists():
        if os.environ.get("EWTP_CUSTOMS_SIGNING_KEY"):
            raise FileNotFoundError(f"EWTP_CUSTOMS_SIGNING_KEY points at a missing file: {key_path}")
        _generate(key_path, cert_path)
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the customs signing key must be an RSA key")
    return HubKey(key=key, cert=x509.load_pem_x509_certificate(cert_path.read_bytes()))


def _c14n(node: etree._Element | etree._ElementTree) -> bytes:
    return etree.tostring(node, method="c14n", exclusive=False, with_comments=False)


def _digest_of_document(root: etree._Element, algo: str) -> bytes:
    # The enveloped-signature transform: the document as if the Signature were not there.
    copy = etree.fromstring(etree.tostring(root))
    for s in copy.findall(_D + "Signature"):
        copy.remove(s)
    return hashlib.new(algo, _c14n(copy.getroottree())).digest()


def _el(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    e = etree.SubElement(parent, _D + name, **attrs)
    if text is not None:
        e.text = text
    return e


def sign_tree(tree: etree._ElementTree, key: HubKey | None = None, algorithm: str | None = None) -> None:
    """Sign in place: any old Signature is replaced by a new one, appended as the last child
    (where every CEB message schema puts it)."""
    key = key or hub_key()
    algorithm = algorithm or os.environ.get("EWTP_CUSTOMS_SIGNATURE", "rsa-sha1")
    sig_uri, digest_uri, hash_cls, digest_name = ALGORITHMS[algorithm]
    root = tree.getroot()
    for old in root.findall(_D + "Signature"):
        root.remove(old)
    digest = _digest_of_document(root, digest_name)
    sig = etree.SubElement(root, _D + "Signature", nsmap={"ds": DS_NS})
    info = _el(sig, "SignedInfo")
    _el(info, "CanonicalizationMethod", Algorithm=C14N)
    _el(info, "SignatureMethod", Algorithm=sig_uri)
    ref = _el(info, "Reference", URI="")
    _el(_el(ref, "Transforms"), "Transform", Algorithm=ENVELOPED)
    _el(ref, "DigestMethod", Algorithm=digest_uri)
    _el(ref, "DigestValue", base64.b64encode(digest).decode())
    # SignedInfo is canonicalised in place, so inherited namespace declarations are included.
    value = key.key.sign(_c14n(info), padding.PKCS1v15(), hash_cls())
    _el(sig, "SignatureValue", base64.b64encode(value).decode())
    ki = _el(sig, "KeyInfo")
    _el(ki, "KeyName", key.name)
    der = key.cert.public_bytes(serialization.Encoding.DER)
    _el(_el(ki, "X509Data"), "X509Certificate", base64.b64encode(der).decode())


def verify_tree(tree: etree._ElementTree, cert: x509.Certificate | None = None) -> None:
    """Check the signature against `cert` (default: the certificate in KeyInfo). Raises
    SignatureInvalid; a valid signature from an untrusted certificate is the caller's concern."""
    root = tree.getroot()
    sig = root.find(_D + "Signature")
    if sig is None:
        raise SignatureInvalid("the message is not signed")
    info = sig.find(_D + "SignedInfo")
    ref = info.find(_D + "Reference") if info is not None else None
    if ref is None or ref.get("URI") != "":
        raise SignatureInvalid("only an enveloped signature over the whole message (URI=\"\") is accepted")
    algo = _BY_SIG_URI.get(info.find(_D + "SignatureMethod").get("Algorithm"))
    digest_name = _DIGEST_BY_URI.get(ref.find(_D + "DigestMethod").get("Algorithm"))
    if algo is None or digest_name is None:
        raise SignatureInvalid("unsupported signature or digest algorithm")
    if base64.b64decode(ref.findtext(_D + "DigestValue") or "") != _digest_of_document(root, digest_name):
        raise SignatureInvalid("the message was changed after it was signed (digest mismatch)")
    if cert is None:
        b64 = sig.findtext(f"{_D}KeyInfo/{_D}X509Data/{_D}X509Certificate")
        if not b64:
            raise SignatureInvalid("no certificate to verify with")
        cert = x509.load_der_x509_certificate(base64.b64decode(b64))
    try:
        cert.public_key().verify(base64.b64decode(sig.findtext(_D + "SignatureValue") or ""), _c14n(info),
                                 padding.PKCS1v15(), ALGORITHMS[algo][2]())
    except InvalidSignature:
        raise SignatureInvalid("the signature value does not match SignedInfo") from None
