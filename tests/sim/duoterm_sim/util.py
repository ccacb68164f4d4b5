"""Small helpers shared by the simulator modules."""

import datetime
import hashlib
import json
import re

_ISO_RE = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")


def dumps(obj):
    """Compact JSON as GitLab and the providers send it (no spaces, UTF-8)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def dumps_bytes(obj):
    return dumps(obj).encode("utf-8")


def iso(value):
    """Normalise a timestamp to GitLab's form: 2025-05-20T09:14:03.120Z.

    Accepts None (-> None), an ISO string with or without milliseconds and
    zone, or a unix time number."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        dt = datetime.datetime.fromtimestamp(value, datetime.timezone.utc)
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)
    m = _ISO_RE.match(value)
    if not m:
        return value  # a date like 2025-06-30 stays as it is
    frac = (m.group(2) or ".000")[1:4].ljust(3, "0")
    zone = m.group(3)
    if zone and zone != "Z":
        return to_iso(parse_iso(value))
    return "%s.%sZ" % (m.group(1), frac)


def parse_iso(value):
    """ISO string -> aware datetime (UTC)."""
    v = value.replace("Z", "+00:00")
    dt = datetime.datetime.fromisoformat(v)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return dt.astimezone(datetime.timezone.utc)


def to_iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def unix(value):
    """ISO string -> integer unix seconds."""
    return int(parse_iso(value).timestamp())


def add_seconds(value, seconds):
    return to_iso(parse_iso(value) + datetime.timedelta(seconds=seconds))


def sha1(seed):
    return hashlib.sha1(seed.encode("utf-8")).hexdigest()


_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def token_id(seed, length):
    """Deterministic alphanumeric id of the given length."""
    n = int.from_bytes(hashlib.sha256(seed.encode("utf-8")).digest(), "big")
    out = []
    while len(out) < length:
        n, r = divmod(n, 62)
        out.append(_B62[r])
        if n == 0:
            n = int.from_bytes(hashlib.sha256((seed + str(len(out))).encode()).digest(), "big")
    return "".join(out)


def etag_of(body):
    return 'W/"%s"' % hashlib.md5(body).hexdigest()


def truthy(value):
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    return str(value).lower() in ("1", "true", "yes", "on")


def to_int(value, default):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
