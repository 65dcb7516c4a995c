"""The agent's protocol, declared once for both ends: the adapter (``adapters/wasm/agent_backend.py``)
and the agent (``app.py``, run inside Wasmtime). Framing is in ``wire.py``.

The adapter sends requests ``{"id": N, "op": NAME, ARGUMENTS...}`` (plus a blob for
``write_memory``); the agent answers ``{"id": N, "ok": true, RESULTS...}`` (plus a blob for
``bytecode`` and ``read_memory``) or ``{"id": N, "error": WHY}``. Unprompted, the agent sends
the events of ``EVENTS``: ``hello`` first, with its ``PROTOCOL_VERSION``, which the adapter
checks before anything else.

Types: ``int``, ``bool``, ``str``, ``list``, ``dict``; ``VALUE`` is a Wasm value as
``[type, payload]`` (floats as their bit patterns, v128 as hex). An argument given as
``(type, default)`` may be left out.

Pure Python with nothing beyond the standard library: the agent's copy runs in componentize-py's CPython.
"""

# Raise whenever a request, result or event changes shape or meaning.
PROTOCOL_VERSION = 3
# The agent's second -D arg (after the port) for a core-module program: each module has one instance.
ONE_INSTANCE_PER_MODULE = "one-instance-per-module"
VALUE = list


class ProtocolError(ValueError):
    """A message that does not match the protocol; the text says which field and why."""


class Message:
    """One kind of message: its name and its typed fields (each an ``argument``, a ``result`` or a ``field``)."""

    def __init__(self, name, fields, part="field"):
        self.name = name
        self.fields = fields
        self.part = part

    def event(self, **fields):
        """This message as an event (checked)."""
        message = self.check(fields)
        message["event"] = self.name
        return message

    def check(self, message):
        """``message`` with defaults filled in; ProtocolError if a field is missing or of the wrong type."""
        checked = dict(message)
        for field, declared in self.fields.items():
            kind, default, required = _kind(declared)
            if field not in message:
                if required:
                    raise ProtocolError(self.name + ": missing " + self.part + " " + repr(field))
                checked[field] = default
                continue
            value = message[field]
            if value is None and not required and default is None:
                continue  # an optional field left out ("not given"), spelled None
            # bool is an int in Python: an int field must not take a bool, nor a bool field an int.
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise ProtocolError(
                    self.name + ": " + self.part + " " + repr(field) + " must be " + kind.__name__
                    + ", not " + type(value).__name__
                )  # fmt: skip
        return checked


class Operation:
    """A request the adapter sends: its typed arguments and the typed results of its reply."""

    def __init__(self, name, arguments, results, blob_in=False, blob_out=False):
        self.name = name
        self.arguments = Message(name, arguments, "argument")
        self.results = Message(name, results, "result")
        self.blob_in = blob_in  # the request carries a blob
        self.blob_out = blob_out  # the reply carries a blob

    def request(self, request_id, arguments):
        """The request message for ``arguments`` (checked)."""
        unknown = sorted(set(arguments) - set(self.arguments.fields))
        if unknown:
            raise ProtocolError(self.name + ": unknown arguments " + repr(unknown))
        message = self.arguments.check(arguments)
        message["id"] = request_id
        message["op"] = self.name
        return message


def _kind(declared):
    """(type, default, required) of a declared field."""
    if isinstance(declared, tuple):
        return declared[0], declared[1], False
    return declared, None, True


MODULES = Operation("modules", {}, {"modules": list})  # module ids
INSTANCES = Operation("instances", {}, {"instances": list})  # [{"id", "module"}]
BYTECODE = Operation("bytecode", {"module": int}, {"available": bool}, blob_out=True)
# [{"id", "module", "pc", "condition"?, "hit_condition"?: [op, n]}]
SET_BREAKPOINTS = Operation("set_breakpoints", {"breakpoints": list}, {})
REMOVE_BREAKPOINTS = Operation("remove_breakpoints", {"ids": list}, {})
# innermost first: [{"instance", "module", "defined_func", "pc"} or {"host": true}]
FRAMES = Operation("frames", {}, {"frames": list})
# One listed frame's values: its local count, the locals asked for (all without "locals") as
# [index, value] pairs, and its operand stack. A big function has thousands of locals.
FRAME_VALUES = Operation(
    "frame_values", {"frame": int, "locals": (list, None)}, {"count": int, "locals": list, "stack": list}
)
MEMORY_SIZE = Operation("memory_size", {"instance": int, "memory": (int, 0)}, {"size": int})
READ_MEMORY = Operation(
    "read_memory", {"instance": int, "address": int, "length": int, "memory": (int, 0)}, {}, blob_out=True
)
WRITE_MEMORY = Operation("write_memory", {"instance": int, "address": int, "memory": (int, 0)}, {}, blob_in=True)
GET_GLOBAL = Operation("get_global", {"instance": int, "index": int}, {"value": VALUE})
SET_GLOBAL = Operation("set_global", {"instance": int, "index": int, "value": VALUE}, {})
# Replied to at once; the stop that ends the run follows as a STOPPED event.
RESUME = Operation("resume", {"step": (bool, False)}, {})
# The only request served while the program runs; "paused": it was not running.
INTERRUPT = Operation("interrupt", {}, {"paused": (bool, False)})

OPERATIONS = {
    operation.name: operation
    for operation in [
        MODULES,
        INSTANCES,
        BYTECODE,
        SET_BREAKPOINTS,
        REMOVE_BREAKPOINTS,
        FRAMES,
        FRAME_VALUES,
        MEMORY_SIZE,
        READ_MEMORY,
        WRITE_MEMORY,
        GET_GLOBAL,
        SET_GLOBAL,
        RESUME,
        INTERRUPT,
    ]
}

HELLO = Message("hello", {"version": int})
# reason: breakpoint | step | interrupted | trap | exception | complete | other
STOPPED = Message("stopped", {"reason": str, "breakpoints": (list, ())})
CONDITION_ERROR = Message("condition_error", {"errors": list})  # [{"id", "message"}], sent before its STOPPED
EVENTS = {event.name: event for event in [HELLO, STOPPED, CONDITION_ERROR]}
