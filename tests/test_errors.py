"""Bad input: each case checks the error's type and the words that tell the user what to fix.

No case may surface as a bare NumPy error: every message names the refgrad operation (or the
Function) that refused the input, and shapes where shapes are the problem.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import refgrad as rg
import refgrad.nn.functional as F

# ---------------------------------------------------------------- backward


def test_backward_of_a_non_scalar_needs_a_gradient() -> None:
    y = rg.tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="scalar") as error:
        y.backward()
    assert "gradient" in str(error.value)
    assert "(2,)" in str(error.value)


def test_gradient_of_the_wrong_shape() -> None:
    y = rg.tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="shape") as error:
        y.backward(rg.ones(3))
    assert "(3,)" in str(error.value) and "(2,)" in str(error.value)


def test_backward_of_something_that_requires_no_grad() -> None:
    y = (rg.tensor([1.0, 2.0]) * 2).sum()
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()
    with rg.no_grad():
        z = (rg.tensor([1.0], requires_grad=True) * 2).sum()
    with pytest.raises(RuntimeError, match="no_grad"):
        z.backward()


def test_second_backward_without_retain_graph() -> None:
    x = rg.tensor(2.0, requires_grad=True)
    y = x.exp()
    y.backward()
    with pytest.raises(RuntimeError, match=r"^Trying to backward through the graph.*ExpBackward"):
        y.backward()


def test_grad_with_respect_to_an_unused_input() -> None:
    x = rg.tensor(1.0, requires_grad=True)
    w = rg.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"index 1.*allow_unused=True"):
        rg.autograd.grad(x * 2, [x, w])


def test_grad_with_respect_to_a_tensor_without_requires_grad() -> None:
    x = rg.tensor(1.0, requires_grad=True)
    c = rg.tensor(1.0)
    with pytest.raises(RuntimeError, match=r"input 0\) does not require grad"):
        rg.autograd.grad(x * c, [c])


def test_grad_with_the_wrong_number_of_grad_outputs() -> None:
    x = rg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="2 gradients for 1 outputs"):
        rg.autograd.grad(x * 2, x, [rg.ones(1), rg.ones(1)])


# ---------------------------------------------------------------- tensors and dtypes


def test_requires_grad_on_an_integer_tensor() -> None:
    with pytest.raises(RuntimeError, match="only floating point tensors can require gradients"):
        rg.tensor([1, 2, 3], requires_grad=True)
    with pytest.raises(RuntimeError, match="int64"):
        rg.arange(3).requires_grad_()


def test_requires_grad_false_on_a_non_leaf() -> None:
    y = rg.tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad = False


def test_tensor_from_strings() -> None:
    with pytest.raises(TypeError, match="cannot make a tensor"):
        rg.tensor(["a", "b"])


def test_default_dtype_must_be_floating() -> None:
    with pytest.raises(TypeError, match=r"float32 or rg\.float64"):
        rg.set_default_dtype(rg.int32)


def test_float_only_ops_refuse_integers() -> None:
    with pytest.raises(RuntimeError, match=r"mean\(\).*int64"):
        rg.tensor([1, 2]).mean()
    with pytest.raises(TypeError, match=r"softmax.*int64"):
        F.softmax(rg.tensor([1, 2]), dim=0)


def test_item_of_several_elements() -> None:
    with pytest.raises(RuntimeError, match=r"item\(\).*3 elements"):
        rg.zeros(3).item()


def test_in_place_change_of_a_leaf_that_requires_grad() -> None:
    w = rg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"leaf Variable that requires grad.*in-place.*no_grad"):
        w += 1.0


def test_assigning_a_grad_of_the_wrong_shape() -> None:
    w = rg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\(3,\).*\(2,\)"):
        w.grad = rg.zeros(3)


# ---------------------------------------------------------------- shapes


def test_matmul_mismatch_shows_both_shapes() -> None:
    with pytest.raises(rg.ShapeError) as error:
        rg.matmul(rg.zeros(2, 3), rg.zeros(4, 5))
    message = str(error.value)
    assert "matmul" in message and "(2, 3)" in message and "(4, 5)" in message
    with pytest.raises(RuntimeError):  # code written for PyTorch catches it
        rg.zeros(2, 3) @ rg.zeros(4, 5)
    with pytest.raises(ValueError):  # code written for NumPy catches it too
        rg.zeros(2, 3) @ rg.zeros(4, 5)


def test_matmul_batch_mismatch_shows_both_shapes() -> None:
    with pytest.raises(RuntimeError, match=r"\(2, 2, 3\).*\(4, 3, 2\)"):
        rg.matmul(rg.zeros(2, 2, 3), rg.zeros(4, 3, 2))


def test_matmul_of_a_scalar() -> None:
    with pytest.raises(ValueError, match=r"matmul.*at least one dimension"):
        rg.matmul(rg.zeros(3), rg.tensor(1.0))


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow"])
def test_broadcasting_mismatch_shows_both_shapes(op: str) -> None:
    a, b = rg.ones(2, 3), rg.ones(4)
    with pytest.raises(RuntimeError) as error:
        getattr(rg, op)(a, b)
    assert isinstance(error.value, ValueError) and isinstance(error.value, rg.ShapeError)
    message = str(error.value)
    assert message.startswith(op) and "(2, 3)" in message and "(4,)" in message


def test_where_mismatch() -> None:
    with pytest.raises(rg.ShapeError, match=r"where.*\(3,\).*\(2,\)"):
        rg.where(rg.tensor([True, False, True]), rg.zeros(2), 1.0)


def test_reshape_to_a_wrong_size() -> None:
    with pytest.raises(rg.ShapeError, match=r"reshape.*\(4, 2\).*\(2, 3\)"):
        rg.zeros(2, 3).reshape(4, 2)
    with pytest.raises(RuntimeError, match="reshape"):
        rg.zeros(2, 3).reshape(-1, -1)
    with pytest.raises(RuntimeError, match="reshape"):
        rg.zeros(2, 3).reshape(4, -1)


def test_cat_and_stack_of_mismatched_shapes() -> None:
    with pytest.raises(rg.ShapeError, match=r"cat.*\(2, 3\).*\(2, 4\)"):
        rg.cat([rg.zeros(2, 3), rg.zeros(2, 4)], dim=0)
    with pytest.raises(rg.ShapeError, match=r"stack.*\(2,\).*\(3,\)"):
        rg.stack([rg.zeros(2), rg.zeros(3)])
    with pytest.raises(ValueError, match="non-empty"):
        rg.cat([])


def test_broadcast_to_an_incompatible_shape() -> None:
    with pytest.raises(rg.ShapeError, match=r"\(3,\).*\(2, 4\)"):
        rg.zeros(3).expand(2, 4)


def test_permute_with_a_repeated_dim() -> None:
    with pytest.raises(RuntimeError, match=r"permute.*\(0, 0\)"):
        rg.zeros(2, 3).permute(0, 0)


def test_linear_feature_mismatch() -> None:
    with pytest.raises(rg.ShapeError, match=r"linear.*\(2, 3\).*\(4, 5\)"):
        F.linear(rg.zeros(2, 3), rg.zeros(4, 5))


def test_mse_loss_shape_mismatch() -> None:
    with pytest.raises(rg.ShapeError, match=r"mse_loss.*\(2, 3\).*\(3,\)"):
        F.mse_loss(rg.zeros(2, 3), rg.zeros(3))


def test_unknown_reduction() -> None:
    with pytest.raises(ValueError, match="'avg'"):
        F.mse_loss(rg.zeros(2), rg.zeros(2), reduction="avg")


# ---------------------------------------------------------------- losses


@pytest.mark.parametrize("bad", [3, -1, 100])
def test_cross_entropy_target_out_of_range(bad: int) -> None:
    with pytest.raises(IndexError) as error:
        F.cross_entropy(rg.zeros(2, 3), rg.tensor([0, bad]))
    message = str(error.value)
    assert f"target {bad}" in message and "[0, 3)" in message
    assert isinstance(error.value, rg.TargetError)


def test_cross_entropy_with_float_class_indices() -> None:
    with pytest.raises(TypeError, match="integers") as error:
        F.cross_entropy(rg.zeros(3, 2), rg.tensor([0.0, 1.0, 0.0]))
    assert "float64" in str(error.value)


def test_cross_entropy_target_of_the_wrong_length() -> None:
    with pytest.raises(rg.ShapeError, match=r"\(2, 3\).*\(2,\).*\(3,\)"):
        F.cross_entropy(rg.zeros(2, 3), rg.tensor([0, 1, 1]))


def test_cross_entropy_of_a_3d_input() -> None:
    with pytest.raises(rg.ShapeError, match=r"cross_entropy.*\(2, 3, 4\)"):
        F.cross_entropy(rg.zeros(2, 3, 4), rg.tensor([0, 1]))


# ---------------------------------------------------------------- dims and indices


@pytest.mark.parametrize(
    ("op", "call"),
    [
        ("sum", lambda x: x.sum(2)),
        ("mean", lambda x: x.mean(-3)),
        ("amax", lambda x: x.amax(5)),
        ("max", lambda x: x.max(dim=2)),
        ("softmax", lambda x: F.softmax(x, dim=2)),
        ("log_softmax", lambda x: F.log_softmax(x, dim=-3)),
        ("transpose", lambda x: x.transpose(0, 2)),
        ("unsqueeze", lambda x: x.unsqueeze(4)),
        ("cat", lambda x: rg.cat([x, x], dim=2)),
        ("stack", lambda x: rg.stack([x, x], dim=4)),
        ("size", lambda x: x.size(2)),
    ],
)
def test_dim_out_of_range(op: str, call: Any) -> None:
    with pytest.raises(IndexError, match="dimension out of range") as error:
        call(rg.zeros(2, 3))
    assert str(error.value).startswith(op)


def test_repeated_dim() -> None:
    with pytest.raises(RuntimeError, match=r"sum.*\(0, 0\)"):
        rg.zeros(2, 3).sum((0, 0))


def test_index_out_of_range_names_the_op() -> None:
    with pytest.raises(IndexError, match=r"Index.*\(3,\).*index 5 is out of bounds"):
        rg.zeros(3)[5]
    with pytest.raises(IndexError, match=r"Index.*too many indices"):
        rg.zeros(3)[0, 0]


def test_float_index() -> None:
    with pytest.raises(IndexError, match="integer or boolean"):
        rg.zeros(3)[rg.tensor([0.5])]


def test_max_of_an_empty_tensor() -> None:
    with pytest.raises(RuntimeError, match=r"max\(\).*empty"):
        rg.zeros(0).max()
    with pytest.raises(IndexError, match=r"max\(\).*size 0"):
        rg.zeros(0, 3).max(dim=0)


# ---------------------------------------------------------------- custom Functions


class _Square(rg.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: rg.Tensor) -> Any:
        ctx.save_for_backward(x)
        return x.data**2


class TooManyGrads(_Square):
    @staticmethod
    def backward(ctx: Any, grad_output: rg.Tensor) -> Any:
        (x,) = ctx.saved_tensors
        return grad_output * 2 * x, grad_output


class WrongShapeGrad(_Square):
    @staticmethod
    def backward(ctx: Any, grad_output: rg.Tensor) -> Any:
        return rg.ones(5)


class ArrayGrad(_Square):
    @staticmethod
    def backward(ctx: Any, grad_output: rg.Tensor) -> Any:
        return np.ones(3)


class ForwardFails(rg.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: rg.Tensor) -> Any:
        return x.data.reshape(7)  # NumPy raises ValueError

    @staticmethod
    def backward(ctx: Any, grad_output: rg.Tensor) -> Any:
        return grad_output


class ForwardReturnsAList(rg.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: rg.Tensor) -> Any:
        return [1.0, 2.0]


def test_backward_returning_too_many_gradients() -> None:
    y = TooManyGrads.apply(rg.tensor([1.0, 2.0, 3.0], requires_grad=True)).sum()
    with pytest.raises(
        RuntimeError,
        match=r"TooManyGradsBackward returned an incorrect number of gradients "
        r"\(expected 1, got 2\)",
    ):
        y.backward()


def test_backward_returning_a_gradient_of_the_wrong_shape() -> None:
    y = WrongShapeGrad.apply(rg.tensor([1.0, 2.0, 3.0], requires_grad=True)).sum()
    with pytest.raises(RuntimeError) as error:
        y.backward()
    message = str(error.value)
    assert "WrongShapeGrad" in message and "index 0" in message  # PyTorch's wording
    assert "[5]" in message and "[3]" in message


def test_backward_returning_an_array() -> None:
    y = ArrayGrad.apply(rg.tensor([1.0, 2.0, 3.0], requires_grad=True)).sum()
    with pytest.raises(TypeError, match=r"ArrayGrad.*ndarray.*input 0"):
        y.backward()


def test_error_inside_forward_names_the_function() -> None:
    with pytest.raises(ValueError, match=r"ForwardFails.*\(2, 3\)"):
        ForwardFails.apply(rg.zeros(2, 3))


def test_forward_returning_a_list() -> None:
    with pytest.raises(TypeError, match=r"ForwardReturnsAList\.forward returned a list"):
        ForwardReturnsAList.apply(rg.zeros(2))


# ---------------------------------------------------------------- checkers and functional


def test_gradcheck_needs_an_input_requiring_grad() -> None:
    with pytest.raises(ValueError, match="requires_grad=True"):
        rg.autograd.gradcheck(lambda x: x * 2, [rg.ones(2)])


def test_hessian_of_a_non_scalar_function() -> None:
    with pytest.raises(RuntimeError, match="single-element"):
        rg.autograd.functional.hessian(lambda x: x * x, rg.ones(2))


def test_vjp_without_v_for_a_non_scalar_function() -> None:
    with pytest.raises(RuntimeError, match="v can be omitted only"):
        rg.autograd.functional.vjp(lambda x: x * x, rg.ones(2))
