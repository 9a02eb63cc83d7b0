"""The named products PyTorch code uses: ``dot``, ``mv``, ``outer`` and ``bmm``.

Each is :func:`~refgrad.ops.linalg.matmul` (or a broadcast multiply, for ``outer``) after the
shape check PyTorch makes, so their gradients are matmul's: nothing new to differentiate. What
they add is the strictness: ``dot`` takes only vectors, ``bmm`` only 3-D batches of the same
size, where ``matmul`` would broadcast.
"""

from __future__ import annotations

from refgrad.errors import ShapeError
from refgrad.ops.linalg import matmul
from refgrad.ops.shape import reshape
from refgrad.tensor import Tensor


def _same_dtype(op: str, a: Tensor, b: Tensor) -> None:
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"{op}: expected both operands to have the same dtype, but got {a.dtype} and "
            f"{b.dtype}; convert one, e.g. b.to(a.dtype)"
        )


def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """Inner product of two 1-D tensors of the same length, as ``torch.dot``.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.dot(rg.tensor([1.0, 2.0]), rg.tensor([3.0, 4.0]))
    tensor(11.)
    """
    if input.ndim != 1 or tensor.ndim != 1:
        raise ShapeError(
            f"dot: 1D tensors expected, but got {input.ndim}D and {tensor.ndim}D tensors "
            f"(shapes {input.shape} and {tensor.shape}); use matmul for matrices"
        )
    if input.shape != tensor.shape:
        raise ShapeError(
            f"dot: the vectors have {input.shape[0]} and {tensor.shape[0]} elements; "
            "they need the same number"
        )
    _same_dtype("dot", input, tensor)
    return matmul(input, tensor)


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix–vector product of a 2-D and a 1-D tensor, as ``torch.mv``.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.mv(rg.eye(2), rg.tensor([3.0, 4.0]))
    tensor([3., 4.])
    """
    if input.ndim != 2 or vec.ndim != 1 or input.shape[1] != vec.shape[0]:
        raise ShapeError(
            f"mv: expected a matrix (n, m) and a vector (m,), got shapes {input.shape} and "
            f"{vec.shape}"
        )
    _same_dtype("mv", input, vec)
    return matmul(input, vec)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product of two 1-D tensors, :math:`y_{ij} = a_i b_j`, as ``torch.outer``.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.outer(rg.tensor([1.0, 2.0]), rg.tensor([1.0, 10.0, 100.0]))
    tensor([[  1.,  10., 100.],
            [  2.,  20., 200.]])
    """
    if input.ndim != 1 or vec2.ndim != 1:
        raise ShapeError(
            f"outer: 1D tensors expected, got shapes {input.shape} and {vec2.shape}; "
            "flatten them first"
        )
    return reshape(input, (-1, 1)) * reshape(vec2, (1, -1))


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched matrix product of (b, n, m) and (b, m, p) tensors, as ``torch.bmm``.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.bmm(rg.ones(4, 2, 3), rg.ones(4, 3, 5)).shape
    (4, 2, 5)
    """
    if input.ndim != 3 or mat2.ndim != 3:
        raise ShapeError(
            f"bmm: batch1 and batch2 must be 3D tensors, got shapes {input.shape} and "
            f"{mat2.shape}; use matmul to broadcast"
        )
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise ShapeError(
            f"bmm: shapes {input.shape} and {mat2.shape} do not fit (b, n, m) @ (b, m, p)"
        )
    _same_dtype("bmm", input, mat2)
    return matmul(input, mat2)
