"""Printable documents of a parcel: the shipping label (label.py) and the CN23 customs
declaration (cn23.py), as PDF drawn with reportlab."""
