"""Hook handles: what ``register_hook`` returns, to unregister exactly one registration.

PyTorch keeps its ``RemovableHandle`` in ``torch.utils.hooks``; refgrad keeps it here and at the
top level, ``rg.RemovableHandle``.
"""

from __future__ import annotations

import itertools
import weakref
from typing import Any

_handle_ids = itertools.count()


class HookDict(dict[int, Any]):
    """Hooks by handle id, in registration order (a subclass so handles can refer to it weakly).

    Examples
    --------
    >>> import refgrad as rg
    >>> y = rg.tensor(1.0, requires_grad=True) * 2
    >>> handle = y.register_hook(print)
    >>> list(y.grad_fn._hooks) == [handle.id]
    True
    """

    __slots__ = ("__weakref__",)


class RemovableHandle:
    """What ``register_hook`` returns: ``remove()`` unregisters exactly that registration.

    Each registration gets its own id, so registering the same function twice and removing one
    handle (even twice) leaves the other registration in place.

    Examples
    --------
    >>> import refgrad as rg
    >>> x = rg.tensor(1.0, requires_grad=True)
    >>> double = lambda g: g * 2
    >>> first, second = x.register_hook(double), x.register_hook(double)
    >>> first.remove()
    >>> first.remove()  # harmless: the second registration stays
    >>> (x * 1).backward()
    >>> x.grad
    tensor(2.)
    """

    def __init__(self, hooks: HookDict) -> None:
        # Weakly: a handle kept by the user must not keep a freed graph's hooks alive.
        self._hooks_ref = weakref.ref(hooks)
        self.id = next(_handle_ids)

    def remove(self) -> None:
        """Unregister the hook; doing it twice is harmless.

        Examples
        --------
        See :class:`RemovableHandle`.
        """
        hooks = self._hooks_ref()
        if hooks is not None:
            hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.remove()
