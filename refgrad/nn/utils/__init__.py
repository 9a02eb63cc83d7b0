"""Helpers for training loops (``torch.nn.utils``): gradient clipping, flattening parameters."""

from refgrad.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_, parameters_to_vector

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector"]
