"""ledgersim: synthetic enterprise finance datasets with complete ground truth."""

from ledgersim.errors import LedgersimError, ScenarioError, DatasetError

__version__ = "0.1.0"

__all__ = ["LedgersimError", "ScenarioError", "DatasetError", "__version__"]
