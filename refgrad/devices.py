"""Devices: refgrad computes on the CPU only, and says so when asked for anything else.

PyTorch code names a device everywhere (``torch.device("cpu")``, ``device=`` on factories,
``.to(device)``). So that such code runs unchanged, refgrad accepts every spelling of the CPU
and raises a clear error for any other device instead of silently computing on the CPU.
"""

from __future__ import annotations

#: The device types PyTorch's ``torch.device`` accepts by name (a subset: the common ones).
KNOWN_TYPES = ("cpu", "cuda", "mps", "xpu", "meta", "hip", "xla", "hpu", "mtia", "ipu")


class device:  # noqa: N801 - PyTorch's name
    """A device, written as PyTorch writes one: ``device("cpu")``, ``device("cuda", 0)``.

    Any device can be *named* (code often builds ``device("cuda" if available else "cpu")``),
    but only the CPU can hold a tensor.

    Parameters
    ----------
    type : str or device
        ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ...
    index : int, optional
        The device's index (``cuda:1``); ``None`` for the current one.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.device("cpu"), str(rg.device("cuda", 1))
    (device(type='cpu'), 'cuda:1')
    >>> rg.tensor([1.0]).device == rg.device("cpu")
    True
    """

    __slots__ = ("index", "type")

    type: str
    index: int | None

    def __init__(self, type: str | device, index: int | None = None) -> None:
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if not isinstance(type, str):
            raise TypeError(f"device(): expected a string such as 'cpu', got {type!r}")
        name, _, number = type.partition(":")
        if name not in KNOWN_TYPES:
            raise RuntimeError(
                f"Expected one of {', '.join(KNOWN_TYPES)} device type at start of device "
                f"string: {type}"
            )
        if number:
            if index is not None or not number.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(number)
        self.type = name
        self.index = index

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


#: What a ``device=`` argument may be: a device, its name, a CUDA ordinal, or None.
DeviceLike = device | str | int | None

CPU = device("cpu")
_default_device = CPU


def as_device(value: DeviceLike, op: str) -> device:
    """Resolve ``value`` to the CPU device, or raise a clear error naming ``op``.

    Examples
    --------
    >>> from refgrad.devices import as_device
    >>> as_device("cpu", "zeros")
    device(type='cpu')
    >>> as_device("cuda", "zeros")
    Traceback (most recent call last):
    ...
    RuntimeError: zeros: refgrad runs on the CPU only, so device 'cuda' is not available; ...
    """
    if value is None:
        return _default_device
    resolved = device(f"cuda:{value}") if isinstance(value, int) else device(value)
    if resolved.type != "cpu":
        raise RuntimeError(
            f"{op}: refgrad runs on the CPU only, so device '{resolved}' is not available; "
            "use device='cpu' or leave the argument out (rg.cuda.is_available() is False)"
        )
    return CPU


def set_default_device(value: DeviceLike) -> None:
    """Set the device new tensors go to; only the CPU (or ``None``) is accepted.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.set_default_device("cpu")
    >>> rg.get_default_device()
    device(type='cpu')
    """
    as_device(value, "set_default_device")


def get_default_device() -> device:
    """Return the device new tensors go to: always the CPU.

    Examples
    --------
    >>> import refgrad as rg
    >>> rg.get_default_device()
    device(type='cpu')
    """
    return _default_device
