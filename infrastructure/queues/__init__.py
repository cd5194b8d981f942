"""Task delivery backends: PostgreSQL (the task row is the message) and Azure Service Bus."""
