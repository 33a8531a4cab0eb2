"""The landed-cost engine: `quote(request_dict) -> response_dict` (one quote, exact Decimal) and
`quote_batch(columns)` (many quotes, vectorised). Both run the same regime kernels.

Pipeline: inputs.parse -> context.pack_for -> refuse restricted goods -> frame.prepare (FX,
values, rates) -> regimes.<x>.kernel (decisions and unrounded charges) -> rounding -> output.
"""

from __future__ import annotations

from ewtp.rules.engine.quote import quote, run

__all__ = ["quote", "run"]
