"""Test factories: see ewtp.customs.samples."""

from ewtp.customs.samples import TRANSFER, parcel

__all__ = ["TRANSFER", "parcel"]
