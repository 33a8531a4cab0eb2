"""Array arithmetic the regime kernels are written in, in two flavours.

The kernels (regimes/*.py) are written once against this small interface and run on
- `DecOps`: NumPy object arrays of Decimal — the scalar engine, exact to 28 digits;
- `FloatOps`: float64 arrays — the batch engine, fast.
Float results agree with Decimal to the cent except where a value sits within a hair of a
rounding tie or a threshold. FloatOps notices those spots (`ambiguous`, per quote) and the batch
engine re-runs exactly those quotes through the Decimal engine, so batch equals scalar. To keep
the Decimal side exact, kernels multiply first and divide last.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import reduce
from operator import add

import numpy as np

D0 = Decimal(0)
TIE_EPS = 2.0 ** -40  # relative float error treated as an exact tie / equality
AMBIG = 1e-11  # closer than this (relative) but not a tie: decide exactly instead


_CONST: dict = {}


SMALL = 16  # arrays up to this length are the scalar engine's: plain Python beats NumPy's call overhead


def any_(a: np.ndarray) -> bool:
    """`a.any()` for a bool array, without NumPy's reduction overhead on a quote's few lines."""
    return True in a.tolist() if len(a) <= SMALL else bool(a.any())


def all_(a: np.ndarray) -> bool:
    return False not in a.tolist() if len(a) <= SMALL else bool(a.all())


_CONSTS: dict = {}
_ZEROS: dict[int, np.ndarray] = {}  # n -> DecOps.full(n, 0); n is at most a request's line count


def const(v, n: int = 1, exact: bool = False) -> np.ndarray:
    """A read-only array of n copies of v (a Decimal constant when `exact`), made once: a quote's
    per-quote columns, absent overrides and zero columns are the same few values each time, and
    read-only means no kernel can change them for the next quote. Bounded."""
    cls = v.__class__
    k = (cls, str(v) if cls is Decimal else v, n, exact)  # str: Decimal("0.10") == Decimal("0.1")
    a = _CONSTS.get(k)
    if a is None:
        if exact:
            a = np.empty(n, dtype=object)
            a.fill(DecOps.c(v))
        else:
            a = np.array([v] * n)
        a.flags.writeable = False
        if len(_CONSTS) >= 4096:
            _CONSTS.clear()
        _CONSTS[k] = a
    return a


def uniq_small(a) -> tuple[list, np.ndarray]:
    """np.unique(..., return_inverse=True) for a handful of values, without its overhead."""
    seen: dict = {}
    inv = [seen.setdefault(v, len(seen)) for v in (a if isinstance(a, list) else a.tolist())]
    return list(seen), np.array(inv, dtype=np.int64)


class DecOps:
    exact = True
    uniq = staticmethod(uniq_small)

    def __init__(self, q: np.ndarray, nq: int) -> None:
        self.q, self.nq = q, nq

    @staticmethod
    def c(v: str | Decimal | int) -> Decimal:
        if isinstance(v, Decimal):
            return v
        d = _CONST.get(v)
        if d is None:
            d = _CONST[v] = Decimal(str(v))
        return d

    def full(self, n: int, v) -> np.ndarray:
        if v.__class__ is int and v == 0:  # the zero column most kernels ask for, several times a quote
            z = _ZEROS.get(n)
            if z is None:
                z = _ZEROS[n] = const(0, n, exact=True)
            return z
        return const(v, n, exact=True)  # read-only: every caller only reads it

    @staticmethod
    def col(values: list) -> np.ndarray:
        """Object array of a few Decimals. Item by item: assigning the list would make NumPy probe
        every Decimal for the array protocols first (an AttributeError each)."""
        a = np.empty(len(values), dtype=object)
        for i, v in enumerate(values):
            a[i] = v
        return a

    @staticmethod
    def one(v) -> np.ndarray:
        """`col([v])` without the loop: a quote's per-quote column."""
        a = np.empty(1, dtype=object)
        a[0] = v
        return a

    def qsum(self, a: np.ndarray) -> np.ndarray:
        if self.nq == 1:  # the scalar engine: one quote; the same left-to-right sum as a.sum()
            return self.one(reduce(add, a.tolist()) if len(a) else D0)
        out = np.empty(self.nq, dtype=object)
        out.fill(D0)
        for i, v in zip(self.q, a, strict=True):
            out[i] += v
        return out

    # Against a bare Decimal, element by element: NumPy would first make the Decimal an array,
    # probing it for the array protocols (each probe an AttributeError), several times the cost.
    def le(self, a, b, per_line: bool = False) -> np.ndarray:
        if isinstance(b, Decimal) and isinstance(a, np.ndarray):
            return np.array([v <= b for v in a.tolist()], dtype=bool)
        return np.asarray(a <= b, dtype=bool)

    def lt(self, a, b, per_line: bool = False) -> np.ndarray:
        if isinstance(b, Decimal) and isinstance(a, np.ndarray):
            return np.array([v < b for v in a.tolist()], dtype=bool)
        return np.asarray(a < b, dtype=bool)

    def rounded(self, a: np.ndarray, minor: int, per_line: bool = True) -> np.ndarray:
        quantum = Decimal(1).scaleb(-minor)
        out = np.empty(len(a), dtype=object)
        out[:] = [v.quantize(quantum, rounding=ROUND_HALF_UP) for v in a]
        return out


class FloatOps:
    exact = False

    @staticmethod
    def uniq(a) -> tuple[list, np.ndarray]:
        u, inv = np.unique(a, return_inverse=True)
        return u.tolist(), inv

    def __init__(self, q: np.ndarray, nq: int) -> None:
        self.q, self.nq = q, nq
        self.ambiguous = np.zeros(nq, dtype=bool)

    @staticmethod
    def c(v: str | Decimal | int) -> float:
        return float(v)

    def full(self, n: int, v) -> np.ndarray:
        return np.full(n, float(v))

    @staticmethod
    def col(values: list) -> np.ndarray:
        return np.array(values, dtype=float)

    @staticmethod
    def one(v) -> np.ndarray:
        return np.array([v], dtype=float)

    def qsum(self, a: np.ndarray) -> np.ndarray:
        return np.bincount(self.q, weights=a, minlength=self.nq)

    def _flag(self, mask: np.ndarray, per_line: bool) -> None:
        if mask.any():
            idx = self.q[mask] if per_line else np.nonzero(mask)[0]
            self.ambiguous[idx] = True

    def _cmp(self, a, b, per_line: bool) -> tuple[np.ndarray, np.ndarray]:
        a = np.asarray(a, dtype=float)
        diff = a - b
        scale = np.maximum(np.abs(a), np.maximum(np.abs(b), 1.0))
        tie = np.abs(diff) <= scale * TIE_EPS
        self._flag((~tie) & (np.abs(diff) <= scale * AMBIG), per_line)
        return diff, tie

    def le(self, a, b, per_line: bool = False) -> np.ndarray:
        diff, tie = self._cmp(a, b, per_line)
        return (diff <= 0) | tie

    def lt(self, a, b, per_line: bool = False) -> np.ndarray:
        diff, tie = self._cmp(a, b, per_line)
        return (diff < 0) & ~tie

    def rounded(self, a: np.ndarray, minor: int, per_line: bool = True) -> np.ndarray:
        """Half-up to `minor` places, as integer minor units; ties within float error count as ties."""
        scale = 10.0 ** minor
        y = np.asarray(a, dtype=float) * scale
        f = np.floor(y)
        d = y - f - 0.5
        tol = np.maximum(np.abs(y), 1.0) * TIE_EPS
        up = (d >= 0) | (np.abs(d) <= tol)
        self._flag((np.abs(d) > tol) & (np.abs(d) <= np.maximum(np.abs(y), 1.0) * AMBIG), per_line)
        return (f + up).astype(np.int64)  # minor units
