"""The engine's pure parts: job definitions, identity, state rules."""
