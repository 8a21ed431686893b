"""The Flask application: the API routes, the admin routes and the gate around them."""

from flask import Flask, request
from werkzeug.exceptions import HTTPException

from tests.emulator import gate
from tests.emulator.admin import admin
from tests.emulator.api import api
from tests.emulator.api_v2 import api_v2
from tests.emulator.firewall import firewall_v1
from tests.emulator.wire import STATUS_PHRASES


def create_app(runtime):
    app = Flask("tests.emulator")
    app.config["RUNTIME"] = runtime
    app.json.sort_keys = False
    app.register_blueprint(api)
    app.register_blueprint(api_v2)
    app.register_blueprint(firewall_v1)
    app.register_blueprint(admin)

    @app.before_request
    def before():
        if runtime.data_plane is not None:  # the copies of the backups the clock has passed, before any answer
            runtime.data_plane.catch_up()
        if gate.is_api_request():
            return gate.before_api_request(runtime)
        return None

    @app.after_request
    def after(response):
        return gate.after_request(runtime, response)

    @app.errorhandler(HTTPException)
    def http_error(error):  # unknown routes, wrong methods, unreadable requests
        if request.path.startswith("/__emulator__"):
            return {"error": error.description}, error.code
        return gate.api_error(runtime, error.code, STATUS_PHRASES.get(error.code, error.name))

    @app.errorhandler(Exception)
    def unexpected(error):  # an emulator bug: still answer JSON, and log it
        app.logger.exception("unexpected error")
        return gate.api_error(runtime, 500, "Internal Server Error")

    return app
