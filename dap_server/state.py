"""The states of a debug session, and which requests each group of states admits."""

from __future__ import annotations

import enum


class State(enum.Enum):
    NEW = "waiting for initialize"
    INITIALIZED = "initialized, no program launched"
    CONFIGURING = "launched, waiting for configurationDone"
    RUNNING = "running"
    STOPPED = "stopped"
    ENDED = "the program has ended"


ANY = frozenset(State)
AFTER_INITIALIZE = ANY - {State.NEW}
BEFORE_LAUNCH = frozenset({State.INITIALIZED})
WITH_DEBUGGEE = frozenset({State.CONFIGURING, State.RUNNING, State.STOPPED})
PAUSED = frozenset({State.CONFIGURING, State.STOPPED})  # the program is not running
STOPPED = frozenset({State.STOPPED})

THREAD_ID = 1  # a Wasm program runs on one thread
