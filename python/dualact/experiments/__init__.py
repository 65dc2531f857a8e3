"""dualact.experiments: experiments that reproduce claims of the papers
behind dualact, runnable on a CPU in minutes.  Each is a module run with
`python3 -m dualact.experiments.NAME`; they need PyTorch and scikit-learn,
which the rest of the package does not.

    normalization  deep fully connected networks on scikit-learn's digits:
                   plain ReLU, ReLU + BatchNorm and normalized activations
                   (docs/experiments.md)
"""
