"""dualact: Hermite expansions and dual activations (kernel maps) of any
activation function, with an error bound on every number.

    >>> import dualact
    >>> act = dualact.Activation("x*tanh(softplus(x))")
    >>> act.coeffs(degree=3, digits=40)          # Balls
    >>> v, err = act.dual(numpy.linspace(-1, 1, 10**6))   # double path

See docs/python.md.  The C library is libdualact; this package is a
CPython extension over it (dualact._dualact) and a thin Python layer.
"""
from ._dualact import version, catalog, free_cache, ParseError
from ._ball import Ball, AccuracyError, bound_kind
from ._activation import Activation, Coefficients, DualArrays
from ._analysis import depth, gram, learn, table, kernel_fn, TABLE_ACTIVATIONS
from ._net import network_kernel
from ._net import (serial, Network, Layer, Dense, LayerNorm, Identity, Residual, Repeat,
                   Elementwise, Relu, LeakyRelu, Abs, ABRelu, Sign, Erf, Sigmoid_like, Gelu, Sin,
                   Cos, Exp, Gaussian, Rbf, Monomial, RectifiedMonomial, Hermite, Polynomial, Gabor)

__version__ = version()

__all__ = ["Activation", "Ball", "AccuracyError", "ParseError", "Coefficients", "DualArrays",
           "depth", "gram", "learn", "table", "kernel_fn", "catalog", "version", "free_cache",
           "bound_kind", "TABLE_ACTIVATIONS", "network_kernel", "serial", "Network", "Layer",
           "Dense", "LayerNorm", "Identity", "Residual", "Repeat", "Elementwise", "Relu",
           "LeakyRelu", "Abs", "ABRelu", "Sign", "Erf", "Sigmoid_like", "Gelu", "Sin", "Cos", "Exp",
           "Gaussian", "Rbf", "Monomial", "RectifiedMonomial", "Hermite", "Polynomial", "Gabor"]
