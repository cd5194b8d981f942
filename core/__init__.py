"""Pure domain: models, job definition model, state rules, errors. No I/O, no imports
from the other layers."""
