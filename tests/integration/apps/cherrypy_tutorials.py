"""CherryPy's ten tutorials (shipped in CherryPy itself), mounted in one tree as a new
user would, and wrapped by ``instrument()`` alone."""

from __future__ import annotations

import cherrypy
from cherrypy.tutorial import (
    tut01_helloworld,
    tut02_expose_methods,
    tut03_get_and_post,
    tut04_complex_site,
    tut05_derived_objects,
    tut06_default_method,
    tut07_sessions,
    tut08_generators_and_yield,
    tut09_files,
    tut10_http_errors,
)

import appsignal_routes as ar

ar.start()  # APPSIGNAL_COLLECTOR_ENDPOINT: the loopback receiver

cherrypy.config.update({"log.screen": False})
cherrypy.tree.mount(tut01_helloworld.HelloWorld(), "/tut01")
cherrypy.tree.mount(tut02_expose_methods.HelloWorld(), "/tut02")
cherrypy.tree.mount(tut03_get_and_post.WelcomePage(), "/tut03")
cherrypy.tree.mount(tut04_complex_site.root, "/tut04")
cherrypy.tree.mount(tut05_derived_objects.HomePage(), "/tut05")
cherrypy.tree.mount(tut06_default_method.UsersPage(), "/tut06")
cherrypy.tree.mount(tut07_sessions.HitCounter(), "/tut07")
cherrypy.tree.mount(tut08_generators_and_yield.GeneratorDemo(), "/tut08")
cherrypy.tree.mount(tut09_files.FileDemo(), "/tut09")
cherrypy.tree.mount(tut10_http_errors.HTTPErrorDemo(), "/tut10")

app = ar.instrument(cherrypy.tree)
