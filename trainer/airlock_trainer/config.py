"""Reads a run config YAML and validates it against schemas/json/run-config.schema.json.

Every problem is collected and reported at once; defaults come from the schema's `default`s.
YAML is read with the YAML 1.2 core schema (as the Node side's `yaml` package does) so both
sides see the same values: `1e-5` is a number, `yes` and `2024-01-01` are text.
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
from typing import Any

import yaml

from .errors import AirlockError
from .extensions_config import extension_problems
from .mlflow_rules import config_problems
from .paths import schema_dir

_FLOAT_1_2 = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")
_INT_1_2 = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_BOOL_1_2 = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_NULL_1_2 = re.compile(r"^(?:~|null|Null|NULL|)$")
_INTEGER_MAX = 9007199254740991


class _Yaml12Loader(yaml.SafeLoader):
    """SafeLoader with the YAML 1.2 core schema's implicit types and unique mapping keys."""


_Yaml12Loader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
    ("tag:yaml.org,2002:bool", _BOOL_1_2, list("tTfF")),
    ("tag:yaml.org,2002:int", _INT_1_2, list("-+0123456789")),
    ("tag:yaml.org,2002:float", _FLOAT_1_2, list("-+.0123456789")),
    ("tag:yaml.org,2002:null", _NULL_1_2, ["~", "n", "N", ""]),
):
    _Yaml12Loader.add_implicit_resolver(_tag, _pattern, _first)


def _construct_int(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text)


def _construct_float(loader: yaml.SafeLoader, node: yaml.Node) -> float:
    text = loader.construct_scalar(node).lower()
    if text.endswith(".inf"):
        return -math.inf if text.startswith("-") else math.inf
    if text == ".nan":
        return math.nan
    return float(text)


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
    mapping: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = _js_key(loader.construct_object(key_node, deep=True))
        if key in mapping:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


def _js_key(key: Any) -> str:
    # JavaScript object keys are always strings, so `1: x` must mean the key "1" on both sides.
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return ""
    if isinstance(key, float) and key.is_integer():
        return str(int(key))
    return str(key)


_Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Yaml12Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_Yaml12Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def load_schema() -> dict:
    """The run config JSON Schema."""
    with open(os.path.join(schema_dir(), "run-config.schema.json"), encoding="utf-8") as handle:
        return json.load(handle)


def read_yaml(path: str) -> Any:
    """Parses the config file; CONFIG_NOT_FOUND or CONFIG_YAML_INVALID when it cannot be read."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise AirlockError("CONFIG_NOT_FOUND", f"The config file {path} does not exist.",
                           hint="Check the path of the config file.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise AirlockError("CONFIG_YAML_INVALID", f"The config file {path} cannot be read: {error}",
                           hint="Save the config as UTF-8 text.") from None
    try:
        return yaml.load(text, Loader=_Yaml12Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        raise AirlockError("CONFIG_YAML_INVALID", f"The config file is not valid YAML: {error}",
                           hint="Fix the YAML syntax at the line shown.") from None


def validate(document: Any) -> dict:
    """Returns the config with schema defaults filled in, or raises CONFIG_INVALID listing every problem."""
    import jsonschema

    schema = load_schema()
    problems: list[tuple[str, str]] = list(_non_finite_numbers(document, []))
    validator = jsonschema.Draft202012Validator(schema)
    for error in validator.iter_errors(document):
        problems.extend(_describe(error))
    problems.extend((_field(path), text) for path, text in config_problems(document))
    problems.extend(_same_column(document))
    problems.extend(_column_problems(document))
    problems.extend(extension_problems(document))  # consent to custom code; built-ins that fit the task
    unique = list(dict.fromkeys(problems))
    if unique:
        details = [f"{field}: {text}" for field, text in unique]
        summary = details[0] if len(details) == 1 else f"{len(details)} problems, first: {details[0]}"
        raise AirlockError("CONFIG_INVALID", f"The training config is not valid ({summary}).",
                           hint="Change the settings named in the details.", field=unique[0][0], details=details)
    return _with_defaults(copy.deepcopy(document), schema)


# The zod schema's refine, which JSON Schema cannot express; the same words as SAME_COLUMN_MESSAGE in schemas/config.ts.
SAME_COLUMN_MESSAGE = ("must be a different column from data.text_column: "
                       "a model cannot learn to predict the text it reads")


def _same_column(document: Any):
    data = document.get("data") if isinstance(document, dict) else None
    if isinstance(data, dict) and isinstance(data.get("text_column"), str) \
            and data.get("text_column") == data.get("label_column"):
        yield "data.label_column", SAME_COLUMN_MESSAGE


_FORMAT_COLUMNS = {"prompt_completion": ("prompt_column", "completion_column"), "chat": ("messages_column",),
                   "text": ("text_column",)}


def _column_problems(document: Any):
    # columnProblems in schemas/config.ts, in the same words: which columns the task (and data.format) needs.
    if not isinstance(document, dict) or not isinstance(document.get("data"), dict):
        return
    data = document["data"]
    model = document.get("model") if isinstance(document.get("model"), dict) else {}
    task = model.get("task", "classification")
    if task not in ("classification", "multi_label", "regression", "causal_lm"):
        return  # the schema reports the unknown task
    fmt = data.get("format")
    if task != "causal_lm":
        for key in ("text_column", "label_column"):
            if data.get(key) is None:
                yield f"data.{key}", "is required for this task"
        if fmt is not None:
            yield "data.format", "is only used by model.task causal_lm"
        return
    if fmt is None:
        yield "data.format", "is required for causal_lm: prompt_completion, chat or text"
        return
    for key in _FORMAT_COLUMNS.get(fmt, ()):
        if data.get(key) is None:
            yield f"data.{key}", f"is required for format {fmt}"


def load_config(path: str) -> dict:
    """Reads and validates a config file in one go."""
    return validate(read_yaml(path))


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _field(path: list) -> str:
    # As fieldPath in schemas/errors.ts: `experiment.tags["cost-center#"]`, a key that is not a plain word quoted.
    if not path:
        return "config"
    parts = []
    for index, part in enumerate(path):
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif _IDENTIFIER.fullmatch(str(part)):
            parts.append(str(part) if index == 0 else f".{part}")
        else:
            parts.append(f"[{json.dumps(str(part), ensure_ascii=False)}]")
    return "".join(parts)


def _non_finite_numbers(value: Any, path: list):
    # zod rejects NaN and Infinity; jsonschema would let NaN through every bound.
    if isinstance(value, float) and not math.isfinite(value):
        yield _field(path), "must be a finite number"
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _non_finite_numbers(item, path + [key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _non_finite_numbers(item, path + [index])


_TYPE_WORDS = {
    "integer": "a whole number", "number": "a number", "string": "text", "boolean": "true or false",
    "object": "a group of settings (a mapping)", "array": "a list", "null": "empty (null)",
}


def _describe(error) -> list[tuple[str, str]]:
    path = list(error.absolute_path)
    kind, expected, instance = error.validator, error.validator_value, error.instance
    if kind == "required":
        missing = [name for name in expected if not (isinstance(instance, dict) and name in instance)]
        return [(_field(path + [name]), "is required") for name in missing]
    if kind == "additionalProperties":
        known = list(error.schema.get("properties", {}))
        extras = [name for name in instance if name not in known]
        allowed = f" (known settings: {', '.join(known)})" if known else ""
        return [(_field(path + [name]), f"is not a known setting{allowed}") for name in extras]
    if kind == "anyOf":
        return [(_field(path), f"must be {_describe_choices(expected)}{_got(instance)}")]
    text = {
        "type": lambda: f"must be {_type_words(expected)}{_got(instance)}",
        "minimum": lambda: f"must be >= {_number(expected)}{_got(instance)}",
        "maximum": lambda: f"must be <= {_number(expected)}{_got(instance)}",
        "exclusiveMinimum": lambda: f"must be > {_number(expected)}{_got(instance)}",
        "exclusiveMaximum": lambda: f"must be < {_number(expected)}{_got(instance)}",
        "minLength": lambda: "must not be empty" if expected == 1 else f"must be at least {expected} characters",
        "maxLength": lambda: f"must be at most {expected} characters (got {len(instance)})",
        "enum": lambda: f"must be one of {', '.join(json.dumps(option) for option in expected)}{_got(instance)}",
        "const": lambda: f"must be {json.dumps(expected)}{_got(instance)}",
    }.get(kind)
    return [(_field(path), text() if text else error.message)]


def _type_words(expected: Any) -> str:
    names = expected if isinstance(expected, list) else [expected]
    return " or ".join(_TYPE_WORDS.get(name, name) for name in names)


def _describe_choices(options: list[dict]) -> str:
    words = []
    for option in options:
        if "const" in option:
            words.append(json.dumps(option["const"]))
        elif "enum" in option:
            words.append(", ".join(json.dumps(value) for value in option["enum"]))
        elif "anyOf" in option:
            words.append(_describe_choices(option["anyOf"]))
        elif ".py:" in option.get("pattern", ""):
            words.append("file.py:Name (your own code)")
        elif option.get("type") == "object" and "path" in option.get("properties", {}):
            words.append("{path: file.py:Name, args: {...}}")
        elif option.get("type") == "object" and "torchmetrics" in option.get("properties", {}):
            words.append("{torchmetrics: ClassName, args: {...}}")
        elif option.get("type") == "object" and "const" in option.get("properties", {}).get("name", {}):
            words.append(f"{{name: {option['properties']['name']['const']}, ...}}")
        elif option.get("type") == "null":
            words.append("empty (null)")
        elif option.get("type") in ("integer", "number"):
            bound = option.get("minimum", option.get("exclusiveMinimum"))
            sign = ">=" if "minimum" in option else ">"
            words.append(_TYPE_WORDS[option["type"]] + (f" {sign} {_number(bound)}" if bound is not None else ""))
        elif option.get("type") == "string":
            words.append("non-empty text" if option.get("minLength") == 1 else "text")
        else:
            words.append(_type_words(option.get("type", "a value")))
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _number(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _got(instance: Any) -> str:
    if isinstance(instance, (dict, list)):
        return ""
    shown = json.dumps(instance, ensure_ascii=False, default=str)
    return f" (got {shown[:60]})"


def _with_defaults(value: Any, schema: dict) -> Any:
    # Called only on a valid document, so every anyOf branch that matters is a scalar.
    if isinstance(value, dict) and "properties" in schema:
        for name, subschema in schema["properties"].items():
            if name not in value and "default" in subschema:
                value[name] = copy.deepcopy(subschema["default"])
            if name in value:
                value[name] = _with_defaults(value[name], subschema)
        return value
    if isinstance(value, float) and value.is_integer() and _allows_integer_only(schema):
        return int(value)
    return value


def _allows_integer_only(schema: dict) -> bool:
    if schema.get("type") == "integer":
        return True
    branches = schema.get("anyOf", [])
    return any(branch.get("type") == "integer" for branch in branches) and not any(
        branch.get("type") == "number" for branch in branches)
