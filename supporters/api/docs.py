"""Readable API documentation at /api/v1/docs, rendered on the server from the OpenAPI document.

No Swagger UI or ReDoc: those load script from elsewhere, which the CSP (and the rule of no
external requests) forbids. This page is plain HTML from the same document clients download.
"""

from flask import Blueprint, current_app, render_template

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")

METHODS = ("get", "post", "put", "patch", "delete")


@bp.get("/docs")
def docs():
    """Operations by tag (parameters, bodies, responses), then every schema's fields."""
    spec = current_app.extensions["yorisoi_api"].spec.to_dict()
    return render_template("api/docs.html", **document(spec))


def document(spec: dict) -> dict:
    """The OpenAPI document as lists a template can walk through."""
    tags = {tag["name"]: {**tag, "operations": []} for tag in spec.get("tags", [])}
    for path, item in spec.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            entry = {
                "method": method.upper(),
                "path": path,
                "anchor": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
                "summary": operation.get("summary", ""),
                "description": operation.get("description", ""),
                "parameters": [_parameter(p) for p in [*shared, *operation.get("parameters", [])]],
                "body": _body(operation.get("requestBody")),
                "responses": [
                    (status, response.get("description", ""), _content_type(response))
                    for status, response in sorted(operation.get("responses", {}).items())
                ],
            }
            for tag in operation.get("tags", ["other"]):
                tags.setdefault(tag, {"name": tag, "operations": []})["operations"].append(entry)
    schemas = [
        {"name": name, "description": schema.get("description", ""), "fields": _fields(schema)}
        for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items())
    ]
    return {
        "info": spec.get("info", {}),
        "tags": [tag for tag in tags.values() if tag["operations"]],
        "schemas": schemas,
    }


def type_text(schema: dict) -> str:
    """A short, readable type: ``Supporter``, ``array of integer``, ``string (date)``."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "allOf" in schema:
        return " & ".join(type_text(part) for part in schema["allOf"])
    if "oneOf" in schema:
        return " or ".join(type_text(part) for part in schema["oneOf"])
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        kind = " or ".join(kind)
    if kind == "array":
        text = "array of " + type_text(schema.get("items", {}))
    elif "format" in schema:
        text = f"{kind} ({schema['format']})"
    else:
        text = kind
    if schema.get("enum"):
        text += ": " + " | ".join(str(value) for value in schema["enum"] if value is not None)
    if schema.get("nullable"):
        text += ", or null"
    return text


def _parameter(parameter: dict) -> dict:
    schema = parameter.get("schema", {})
    return {
        "name": parameter.get("name", ""),
        "where": parameter.get("in", ""),
        "required": parameter.get("required", False),
        "type": type_text(schema),
        "description": parameter.get("description", "") or schema.get("description", ""),
    }


def _body(body: dict | None) -> str | None:
    if not body:
        return None
    schema = body.get("content", {}).get("application/json", {}).get("schema", {})
    return type_text(schema)


def _content_type(response: dict) -> str:
    if "$ref" in response:
        return "Error"
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    return type_text(schema) if schema else ""


def _fields(schema: dict) -> list[dict]:
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "type": type_text(prop),
            "required": name in required,
            "description": prop.get("description", ""),
        }
        for name, prop in schema.get("properties", {}).items()
    ]
