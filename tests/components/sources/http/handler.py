"""An HTTP handler for `wasmtime serve`: a component to attach to with `wasmtime serve -g`."""

from componentize_py_types import Ok
from wit_world import exports
from wit_world.imports.types import Fields, OutgoingBody, OutgoingResponse, ResponseOutparam


class IncomingHandler(exports.IncomingHandler):
    def handle(self, request, response_out) -> None:
        response = OutgoingResponse(Fields())
        response.set_status_code(200)
        body = response.body()
        ResponseOutparam.set(response_out, Ok(response))
        with body.write() as stream:
            stream.blocking_write_and_flush(b"hello from wasm\n")
        OutgoingBody.finish(body, None)
