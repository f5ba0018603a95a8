"""Sanic handlers with real (not postponed) annotations: Sanic types a bare ``<name>``
from them (``Router._normalize`` reads ``int`` itself, not the string "int")."""

from sanic import json


async def show_thing(request, thing_id: int):
    return json({"id": thing_id})


async def show_part(request, part_id: int, kind):
    return json({"id": part_id, "kind": kind})
