"""Admin key check for admin routes (header x-functions-key, setting ADMIN_API_KEY)."""

import hmac

from fastapi import Header, Request

from core.errors import Unauthorized


def require_admin(request: Request, x_functions_key: str | None = Header(default=None)) -> None:
    expected = request.app.state.platform.settings.admin_api_key
    if expected is None:
        raise Unauthorized("admin API disabled: ADMIN_API_KEY is not configured")
    if not x_functions_key:
        raise Unauthorized("missing admin key: send it in the x-functions-key header")
    if not hmac.compare_digest(x_functions_key.encode(), expected.get_secret_value().encode()):
        raise Unauthorized("wrong admin key")
