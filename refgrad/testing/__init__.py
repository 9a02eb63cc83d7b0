"""Test tooling (``torch.testing``): the op registry that the test suite and the book share.

:mod:`refgrad.testing.opinfo` lists every differentiable op with its sample inputs. The gradient
checks, the forward-mode checks, the comparison with PyTorch and the book's op reference all
read that one table, as PyTorch's tests read its OpInfo database. Nothing here is needed to use
refgrad, so ``import refgrad`` does not import it.

Examples
--------
>>> from refgrad.testing.opinfo import OP_REGISTRY
>>> "matmul" in {op.name for op in OP_REGISTRY}
True
"""

from refgrad.testing import opinfo

__all__ = ["opinfo"]
