"""Blob storage (Azure Blob Storage; Azurite locally)."""
