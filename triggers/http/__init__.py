"""The HTTP API: one ASGI app, served by uvicorn locally and through function_app.py on Azure."""
