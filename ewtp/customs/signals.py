"""Sent after the transaction commits, so the order's process (another issue) can move the order
to `cleared` or to its refund path without customs knowing about orders."""

from django.dispatch import Signal

declaration_released = Signal()  # kwargs: declaration
declaration_rejected = Signal()  # kwargs: declaration
