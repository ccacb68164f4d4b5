"""Loading scenario files: JSON with an optional "extends" chain.

"extends" names another scenario (relative to the file that names it, or
absolute).  Objects are merged key by key, recursively; every other value
(lists included) in the extending file replaces the inherited one."""

import copy
import json
import os


class ScenarioError(Exception):
    pass


def _merge(base, over):
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load(path, _seen=None):
    path = os.path.abspath(path)
    seen = _seen or []
    if path in seen:
        raise ScenarioError("scenario extends itself: %s" % " -> ".join(seen + [path]))
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as e:
        raise ScenarioError("cannot read scenario %s: %s" % (path, e.strerror))
    except json.JSONDecodeError as e:
        raise ScenarioError("scenario %s is not valid JSON: %s" % (path, e))
    if not isinstance(data, dict):
        raise ScenarioError("scenario %s: top level must be an object" % path)
    own_name = data.get("name")
    parent = data.pop("extends", None)
    if parent:
        ppath = parent if os.path.isabs(parent) else os.path.join(os.path.dirname(path), parent)
        data = _merge(load(ppath, seen + [path]), data)
    data["name"] = own_name or os.path.splitext(os.path.basename(path))[0]
    data["_path"] = path
    return data
