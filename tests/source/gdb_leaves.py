"""Run inside gdb (``gdb -x gdb_leaves.py``) at a stop: print every scalar leaf of the
frame's arguments and locals as one JSON object, path -> value, for value comparisons.

Paths are ``name.field[index]``; integers, characters and booleans become ints, floats
floats, C strings (a pointer to a 1-byte integer) their text; other pointers are left
out, since addresses differ between the native and the Wasm build.
"""

import json

import gdb  # provided by gdb itself

_INTEGERS = (gdb.TYPE_CODE_INT, gdb.TYPE_CODE_CHAR, gdb.TYPE_CODE_BOOL, gdb.TYPE_CODE_ENUM)


def _leaves(path, value, out):
    type_ = value.type.strip_typedefs()
    code = type_.code
    if code in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
        for field in type_.fields():
            if field.name and not field.is_base_class and not field.artificial:
                _leaves(f"{path}.{field.name}", value[field], out)
    elif code == gdb.TYPE_CODE_ARRAY:
        low, high = type_.range()
        for index in range(low, high + 1):
            _leaves(f"{path}[{index}]", value[index], out)
    elif code == gdb.TYPE_CODE_PTR:
        target = type_.target().strip_typedefs()
        if target.code in _INTEGERS and target.sizeof == 1:
            out[path] = value.string(errors="replace")
    elif code == gdb.TYPE_CODE_FLT:
        out[path] = float(value)
    elif code in _INTEGERS:
        out[path] = int(value)


def main():
    frame = gdb.selected_frame()
    block = frame.block()
    out, seen = {}, set()
    while block is not None:  # innermost block first: its names hide outer ones
        for symbol in block:
            if (symbol.is_variable or symbol.is_argument) and symbol.name not in seen:
                seen.add(symbol.name)
                try:
                    _leaves(symbol.name, symbol.value(frame), out)
                except gdb.error:  # optimized out natively: nothing to compare with
                    continue
        if block.function is not None:
            break
        block = block.superblock
    print("LEAVES " + json.dumps(out))


main()
