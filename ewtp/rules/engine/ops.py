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

import numpy as np

D0 = Decimal(0)
TIE_EPS = 2.0 ** -40  # relative float error treated as an exact tie / equality
AMBIG = 1e-11  # closer than this (relative) but not a tie: decide exactly instead


_CONST: dict = {}


def uniq_small(a) -> tuple[list, np.ndarray]:
    """np.unique(..., return_inverse=True) for a handful of values, without its overhead."""
    seen: dict = {}
    inv = [seen.setdefault(v, len(seen)) for v in a.tolist()]
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
        a = np.empty(n, dtype=object)
        a.fill(self.c(v))
        return a

    def qsum(self, a: np.ndarray) -> np.ndarray:
        if self.nq == 1:  # the scalar engine: one quote
            out = np.empty(1, dtype=object)
            out[0] = a.sum() if len(a) else D0
            return out
        out = self.full(self.nq, 0)
        for i, v in zip(self.q, a, strict=True):
            out[i] += v
        return out

    def le(self, a, b, per_line: bool = False) -> np.ndarray:
        return np.asarray(a <= b, dtype=bool)

    def lt(self, a, b, per_line: bool = False) -> np.ndarray:
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
