"""Tolerances of the step's arithmetic, as 0-d numpy arrays.

numpy combines a 0-d array with an array faster than it combines a Python float with one
(about 0.2 µs an operation, and the step does some twenty such operations), so these
constants are arrays; they compare with floats as usual.
"""

import numpy as np

EPS = np.array(1e-12)
"""Tonnes below which nothing is drawn, ordered, granted or shipped (no dust moves)."""

TINY = np.array(1e-300)
"""A floor for divisors whose numerator is 0 whenever they are 0."""

ZERO = np.array(0.0)
ONE = np.array(1.0)
