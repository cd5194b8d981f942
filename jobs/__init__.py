"""Job definitions (declarative stages) and the explicit job registry."""
