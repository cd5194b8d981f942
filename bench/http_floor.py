"""The HTTP floor for bench/tiles.py: a bare uvicorn app (the server GeoETL runs on) with one
route answering a fixed 20 KB body, no database, no gate, no thread hop. What any Python tile
server on this machine pays per request before it makes a tile.

    API_PORT=8099 .venv/bin/python -m bench.http_floor
"""

import os

import uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

BODY = os.urandom(20 * 1024)


async def tile(_request) -> Response:
    return Response(BODY, media_type="application/vnd.mapbox-vector-tile")


app = Starlette(routes=[Route("/tile", tile)])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ["API_PORT"]), log_level="warning")
