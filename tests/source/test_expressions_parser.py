"""The expression language's text side: lexer, parser, hit conditions, logpoint templates."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.source.expressions import ExpressionError, nodes, parse
from adapters.source.expressions.hit_conditions import parse_hit_condition
from adapters.source.expressions.logpoints import format_message, parse_template
from adapters.source.expressions.parser import MAX_NESTING, parse_type_name


def shape(node: nodes.Node) -> str:
    """A fully parenthesised rendering of the tree, to compare structure."""
    match node:
        case nodes.Binary(operator=op, left=left, right=right):
            return f"({shape(left)} {op} {shape(right)})"
        case nodes.Unary(operator=op, operand=operand):
            return f"({op}{shape(operand)})"
        case nodes.Cast(type=type_name, operand=operand):
            return f"(cast<{type_name}> {shape(operand)})"
        case nodes.Conditional(condition=c, then=t, otherwise=o):
            return f"({shape(c)} ? {shape(t)} : {shape(o)})"
        case nodes.Assign(target=target, value=value):
            return f"({shape(target)} = {shape(value)})"
        case nodes.Comma(left=left, right=right):
            return f"({shape(left)}, {shape(right)})"
        case nodes.Member(target=target, name=name, arrow=arrow):
            return f"{shape(target)}{'->' if arrow else '.'}{name}"
        case nodes.Index(target=target, index=index):
            return f"{shape(target)}[{shape(index)}]"
        case nodes.Call(target=target, arguments=arguments):
            return f"{shape(target)}({', '.join(shape(a) for a in arguments)})"
        case nodes.SizeOf(operand=operand):
            inner = f"<{operand}>" if isinstance(operand, nodes.TypeName) else shape(operand)
            return f"sizeof({inner})"
        case nodes.Identifier(name=name):
            return name
        case nodes.Integer(literal=literal):
            return str(literal.value)
        case nodes.WasmLocal(index=index):
            return f"$local{index}"
        case nodes.WasmGlobal(key=key):
            return f"$global[{key}]"
        case nodes.WasmStack(index=index):
            return f"$stack{index}"
    return type(node).__name__


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a + b * c", "(a + (b * c))"),
        ("a - b - c", "((a - b) - c)"),
        ("a << 1 + 2", "(a << (1 + 2))"),
        ("a < b == c > d", "((a < b) == (c > d))"),
        ("a & b ^ c | d", "(((a & b) ^ c) | d)"),
        ("a || b && c", "(a || (b && c))"),
        ("a ? b : c ? d : e", "(a ? b : (c ? d : e))"),
        ("a = b = 3", "(a = (b = 3))"),
        ("a, b + 1", "(a, (b + 1))"),
        ("-a * !b", "((-a) * (!b))"),
        ("*p->next", "(*p->next)"),
        ("&s.items[2].x", "(&s.items[2].x)"),
        ("~x % 3", "((~x) % 3)"),
        ("sizeof x + 1", "(sizeof(x) + 1)"),
        ("sizeof(int) * 2", "(sizeof(<int>) * 2)"),
        ("sizeof(struct point *)", "sizeof(<struct point*>)"),
        ("f(1, x + 2)", "f(1, (x + 2))"),
        ("ns::value + ::g", "(ns::value + ::g)"),
        ("$local3 + $l4", "($local3 + $local4)"),
        ("$global0 + $__stack_pointer + $g2", "(($global[0] + $global[__stack_pointer]) + $global[2])"),
        ("$stack0", "$stack0"),
    ],
)
def test_precedence_and_associativity(text, expected):
    assert shape(parse(text).root) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(unsigned char*)p", "(cast<unsigned char*> p)"),
        ("(struct point*)0x1000", "(cast<struct point*> 4096)"),
        ("*(int*)0x1000", "(*(cast<int*> 4096))"),
        ("(const char * const *)argv", "(cast<char**> argv)"),
        ("(unsigned long long)x << 2", "((cast<unsigned long long> x) << 2)"),
        ("(T)y", "(cast<T> y)"),  # `(name) operand` can only be a cast
        ("(T*)y", "(cast<T*> y)"),
        ("(a) - 1", "(a - 1)"),  # a is not known as a type: a parenthesised expression
        ("(a) * b", "(a * b)"),
        ("(a)", "a"),
        ("(a + b) * c", "((a + b) * c)"),
    ],
)
def test_casts_and_parenthesised_expressions(text, expected):
    assert shape(parse(text).root) == expected


def test_a_known_type_name_makes_an_ambiguous_parenthesis_a_cast():
    is_type = {"size_t", "ns::Thing"}.__contains__
    assert shape(parse("(size_t)-1", is_type).root) == "(cast<size_t> (-1))"
    assert shape(parse("(ns::Thing)*p", is_type).root) == "(cast<ns::Thing> (*p))"
    assert shape(parse("(count)-1", is_type).root) == "(count - 1)"


@pytest.mark.parametrize(
    ("text", "value", "unsigned", "longs"),
    [
        ("42", 42, False, 0),
        ("0x2A", 42, False, 0),
        ("052", 42, False, 0),
        ("0b101010", 42, False, 0),
        ("42u", 42, True, 0),
        ("42UL", 42, True, 1),
        ("42ll", 42, False, 2),
        ("0xFFull", 255, True, 2),
        ("0", 0, False, 0),
    ],
)
def test_integer_literals(text, value, unsigned, longs):
    root = parse(text).root
    assert isinstance(root, nodes.Integer)
    assert (root.literal.value, root.literal.unsigned, root.literal.longs) == (value, unsigned, longs)


@pytest.mark.parametrize(
    ("text", "value", "single"),
    [("1.5", 1.5, False), ("2.5e3", 2500.0, False), (".5f", 0.5, True), ("1e-2", 0.01, False)],
)
def test_float_literals(text, value, single):
    root = parse(text).root
    assert isinstance(root, nodes.Float)
    assert (root.literal.value, root.literal.single) == (value, single)


def test_single_precision_literals_are_rounded_to_float():
    assert parse("0.1f").root.literal.value != 0.1
    assert abs(parse("0.1f").root.literal.value - 0.1) < 1e-8


@pytest.mark.parametrize(
    ("text", "value"),
    [("'a'", 97), (r"'\n'", 10), (r"'\0'", 0), (r"'\x41'", 65), (r"'\101'", 65), (r"'\''", 39), (r"'\\'", 92)],
)
def test_character_literals(text, value):
    root = parse(text).root
    assert isinstance(root, nodes.Char) and root.value == value


def test_string_literals_keep_escapes_as_bytes():
    root = parse(r'"a\tb\x80\"c"').root
    assert isinstance(root, nodes.String) and root.value == b'a\tb\x80"c'


def test_keywords_are_constants():
    assert isinstance(parse("true").root, nodes.Boolean) and parse("true").root.value is True
    assert isinstance(parse("false").root, nodes.Boolean) and parse("false").root.value is False
    assert isinstance(parse("nullptr").root, nodes.Null)
    assert isinstance(parse("NULL").root, nodes.Null)


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("x,x", "hex"),
        ("x, h", "hex"),
        ("x,d", "decimal"),
        ("p->v , b", "binary"),
        ("c,c", "char"),
        ("name,s", "string"),
        ("x", None),
        ("f(a, b)", None),
    ],
)
def test_format_suffixes(text, fmt):
    assert parse(text).format == fmt


def test_a_format_suffix_leaves_the_expression_intact():
    assert shape(parse("a + b,x").root) == "(a + b)"


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("(a + b", "expected ')' but the expression ended", 7),
        ("f(1 2)", "expected ')'", 5),
        ("a +", "expected an operand but the expression ended", 4),
        ("a ? b", "expected ':' but the expression ended", 6),
        ("a->5", "expected a member name", 4),
        ("a @ b", "unexpected character '@'", 3),
        ("x[1", "expected ']' but the expression ended", 4),
        ("1 2", "unexpected '2'", 3),
        ("", "empty expression", 1),
        ("'ab'", "unterminated character literal", 1),
        ("'", "empty character literal", 1),
        ('"abc', "unterminated string literal", 1),
        ("0x", "invalid number '0x'", 1),
        ("09", "invalid number '09'", 1),
        ("1.5.2", "invalid number '1.5.2'", 1),
        ("12abc", "invalid number '12abc'", 1),
        ("$", "expected a name after '$'", 1),
        ("(int", "expected ')' but the expression ended", 5),
        (r"'\q'", r"unknown escape '\q'", 2),
        ("sizeof", "expected an operand but the expression ended", 7),
        ("a + int", "unexpected 'int'", 5),
    ],
)
def test_errors_say_what_and_where(text, message, column):
    with pytest.raises(ExpressionError) as raised:
        parse(text)
    assert raised.value.message == message
    assert raised.value.column == column
    assert str(raised.value) == f"{message} at column {column}"


def test_deep_nesting_is_an_error_not_a_crash():
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse("(" * (MAX_NESTING + 5) + "1" + ")" * (MAX_NESTING + 5))
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse("-" * (MAX_NESTING + 5) + "1")


def test_long_expressions_are_refused():
    with pytest.raises(ExpressionError, match="too long"):
        parse(" + ".join(["1"] * 200))


def test_type_names():
    assert parse_type_name("unsigned char *") == nodes.TypeName("unsigned char", 1)
    assert parse_type_name("const struct point") == nodes.TypeName("struct point", 0)
    with pytest.raises(ExpressionError):
        parse_type_name("int x")


# A vocabulary that reaches every corner of the grammar, so random text is not all lexer errors.
_PIECES = st.sampled_from(
    [
        "a",
        "b",
        "p",
        "x1",
        "ns::v",
        "$local0",
        "$g1",
        "$stack2",
        "$__stack_pointer",
        "mem",
        "int",
        "unsigned",
        "char",
        "struct",
        "point",
        "sizeof",
        "true",
        "NULL",
        "0",
        "42",
        "0x1F",
        "3u",
        "07",
        "1.5",
        ".5f",
        "'c'",
        r"'\n'",
        '"s"',
        "+",
        "-",
        "*",
        "/",
        "%",
        "<<",
        ">>",
        "<",
        "<=",
        "==",
        "!=",
        "&",
        "|",
        "^",
        "&&",
        "||",
        "!",
        "~",
        "?",
        ":",
        "=",
        ",",
        ".",
        "->",
        "(",
        ")",
        "[",
        "]",
        "::",
        " ",
        ",x",
        "'",
        '"',
        "@",
        "\\",
    ]
)


@settings(max_examples=1500, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_fuzzed_token_soup_only_raises_expression_errors(text):
    try:
        parse(text, lambda name: name == "point")
    except ExpressionError as error:
        assert error.column is None or 1 <= error.column <= len(text) + 1


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60))
def test_fuzzed_arbitrary_text_only_raises_expression_errors(text):
    with contextlib.suppress(ExpressionError):
        parse(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5", (">=", 5)),
        (">= 5", (">=", 5)),
        ("> 5", (">", 5)),
        ("== 5", ("==", 5)),
        ("=5", ("==", 5)),
        ("% 5", ("%", 5)),
        ("  12 ", (">=", 12)),
    ],
)
def test_hit_conditions(text, expected):
    assert parse_hit_condition(text) == expected


@pytest.mark.parametrize("text", ["", "x", "< 5", "5 5", "% 0", "-1", ">= "])
def test_bad_hit_conditions_are_clear_errors(text):
    with pytest.raises(ExpressionError, match="hit condition"):
        parse_hit_condition(text)


def test_logpoint_templates_split_text_and_expressions():
    template = parse_template("x={x} {{literal}} s={s.name} c={'}'}")
    assert template.expressions == ("x", "s.name", "'}'")
    assert template.texts == ("x=", " {literal} s=", " c=", "")


@pytest.mark.parametrize(("message", "column"), [("a {x", 3), ("a } b", 3), ("{'}", 1)])
def test_bad_logpoint_templates_are_clear_errors(message, column):
    with pytest.raises(ExpressionError) as raised:
        parse_template(message)
    assert raised.value.column == column


def test_logpoint_errors_render_inside_the_message():
    def render(expression: str) -> str:
        if expression == "bad":
            raise ExpressionError("no variable named 'bad' here", 1)
        return expression.upper()

    message = format_message(parse_template("{ok} and {bad}!"), render)
    assert message == "OK and <error: no variable named 'bad' here at column 1>!"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pair.0", "pair.0"),
        ("v[1].0 + t.1.2", "(v[1].0 + t.1.2)"),
        ("(x).0", "x.0"),
        ("a + .5", "(a + Float)"),  # after an operator, `.5` is still a number
    ],
)
def test_rust_tuple_fields_after_an_operand(text, expected):
    assert shape(parse(text).root) == expected
