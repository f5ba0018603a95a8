"""Regex routes in path syntax (Django's ``re_path``, Django REST framework's routers)."""

from __future__ import annotations

import pytest

from appsignal_routes.frameworks._regex import readable


@pytest.mark.parametrize(
    ("pattern", "route"),
    [
        # Django REST framework's DefaultRouter, with and without format suffixes
        (r"^snippets/$", "snippets/"),
        (r"^snippets/(?P<pk>[^/.]+)/$", "snippets/<pk>/"),
        (r"^snippets/(?P<pk>[^/.]+)\.(?P<format>[a-z0-9]+)/?$", "snippets/<pk>.<format>"),
        (r"^snippets/(?P<pk>[^/.]+)/highlight/$", "snippets/<pk>/highlight/"),
        (r"^$", ""),
        (r"^\.(?P<format>[a-z0-9]+)/?$", ".<format>"),
        # joined across include(): the second pattern lost its ^
        (r"api/v(?P<version>[0-9]+)/items/(?P<pk>[0-9]+)/$", "api/v<version>/items/<pk>/"),
        (r"api/<int:v>/things/(?P<pk>[0-9]+)/$", "api/<int:v>/things/<pk>/"),
        # unnamed groups by position, as Django passes them
        (r"^archive/([0-9]{4})/([0-9]{2})/$", "archive/<arg1>/<arg2>/"),
        # other anchors, escapes and what has no path form
        (r"\Aabout\Z", "about"),
        (r"^price\$/$", "price$/"),
        (r"^a\\/$", "a\\/"),
        (r"^a/\d+/$", r"a/\d+/"),
        (r"^(?:en|fr)/about/$", "(?:en|fr)/about/"),
        (r"^a/(?P<x>[()\]]+)/$", "a/<x>/"),
        (r"^a/(?P<x>[]a]+)/$", "a/<x>/"),
        (r"^a/(?P<x>(?:x|\)))/$", "a/<x>/"),
        (r"^a/[0-9]+/$", "a/[0-9]+/"),
        (r"^b/\/?", "b/"),
        (r"^c\/?", "c"),
        (r"^d\\/?", "d\\"),
        # not regexes: as they are
        ("users/<int:user_id>", "users/<int:user_id>"),
        ("", ""),
        (r"^x/(unclosed", r"^x/(unclosed"),
    ],
)
def test_a_regex_route_is_written_in_path_syntax(pattern, route):
    assert readable(pattern) == route
