"""Access control: API keys, the submission policy, ownership of what is published."""
