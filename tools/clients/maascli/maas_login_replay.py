#!/usr/bin/python3
"""Replay the wire behaviour of Canonical's `maas` CLI against a server.

Reproduces, request for request, what these commands put on the wire:

    maas login PROFILE URL APIKEY
    maas PROFILE zones create name=N description=...
    maas PROFILE zone read N
    maas PROFILE machines read zone=N          (GET with a query string)
    maas PROFILE zone delete N

using the same client libraries the CLI uses (httplib2 for transport,
oauthlib for the PLAINTEXT OAuth 1.0 signature, the stdlib `email` package
for the multipart/form-data body).  See README.md next to this file for the
wire facts this is built on, with references into the maascli sources.

Only the Python standard library plus Debian's python3-oauthlib and
python3-httplib2 are needed.  Run it with the system interpreter
(/usr/bin/python3) so that the Debian packages are importable.

Prints exactly one JSON line on stdout:
    {"ok": true, "commands": {...}, "whoami": {...}, "created": {...}, ...}
or  {"ok": false, "error": "...", "step": "..."}   (exit status 1)
"""

import argparse
import base64
import hashlib
import http.client
import json
import mimetypes
import re
import string
import sys
import uuid
from email.generator import Generator
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from inspect import cleandoc
from io import StringIO
from urllib.parse import quote_plus, urljoin, urlparse

try:
    import httplib2
    from oauthlib import oauth1
except ImportError as exc:  # pragma: no cover - environment problem
    print(json.dumps({
        "ok": False,
        "step": "import",
        "error": "%s (run with /usr/bin/python3; needs Debian packages "
                 "python3-httplib2 and python3-oauthlib)" % exc,
    }))
    sys.exit(1)


class ReplayError(Exception):
    """A check failed; the message says what the maas CLI would hit."""


# ---------------------------------------------------------------------------
# Name munging (maascli/utils.py: safe_name, handler_command_name)
# ---------------------------------------------------------------------------

# A "word" is either: optional capitals followed by lowercase/digits, or a run
# of capitals; a word must be followed by a non-[a-z0-9] char or the end.
_WORD = re.compile(r"([A-Z]*[a-z0-9]+|[A-Z]+)(?:(?=[^a-z0-9])|\Z)")


def action_command_name(name):
    """Sub-command name for an action: words joined with '-' (case kept)."""
    return "-".join(_WORD.findall(name))


def handler_command_name(name):
    """Command name for a resource: lower-cased words minus 'handler'."""
    words = [w.lower() for w in _WORD.findall(name)]
    return "-".join(w for w in words if w != "handler")


def api_url(url):
    """Normalise the login URL as maascli.utils.api_url does."""
    parts = urlparse(url)
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    if re.search(r"/api/[0-9.]+/?$", path) is None:
        path += "api/2.0/"
    return parts._replace(path=path).geturl()


def split_docstring(doc):
    """(title, body) the way maascli.utils.parse_docstring splits docs."""
    text = "" if doc is None else cleandoc(doc)
    pieces = re.split(r"(?:\r\n){2,}|\r{2,}|\n{2,}", text, maxsplit=1)
    title = pieces[0]
    body = pieces[1] if len(pieces) == 2 else ""
    title = " ".join(line.strip() for line in title.splitlines())
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    return title, body


def query_encode(pairs):
    """apiclient.utils.urlencode: quote_plus on names and values, '&'."""
    return "&".join(
        "%s=%s" % (quote_plus(k), quote_plus(v)) for k, v in pairs)


# ---------------------------------------------------------------------------
# Request encoding (maascli/api.py: Action.prepare_payload;
# apiclient/multipart.py: build_multipart_message/encode_multipart_message)
# ---------------------------------------------------------------------------

def _text_part(name, value):
    part = MIMEApplication(value.encode("utf-8"), charset="utf-8")
    part.add_header("Content-Disposition", "form-data", name=name)
    part.set_type("text/plain")
    return part


def _bytes_part(name, value):
    part = MIMEApplication(value)
    part.add_header("Content-Disposition", "form-data", name=name)
    return part


def _file_part(name, path):
    """name@=path on the command line: a part with filename=<name>."""
    with open(path, "rb") as fh:
        part = MIMEApplication(fh.read())
    part.add_header("Content-Disposition", "form-data", name=name,
                    filename=name)
    for guess_from in (name, path):
        ctype = mimetypes.guess_type(guess_from)[0]
        if ctype:
            break
    part.set_type(ctype or "application/octet-stream")
    return part


class FileArg(str):
    """Marks a name@=path argument's value (the path)."""


def multipart_body(pairs, boundary=None):
    """Return (header list, body str) exactly as maascli builds them.

    Every part is base64 Content-Transfer-Encoded; str values become
    text/plain; charset="utf-8" parts, bytes values application/octet-stream.
    The outer message's own headers are not written into the body; they are
    returned and become HTTP request headers (Content-Type with a quoted
    boundary, MIME-Version, Content-Length).
    """
    outer = MIMEMultipart("form-data", boundary=boundary)
    for name, value in pairs:
        if isinstance(value, FileArg):
            outer.attach(_file_part(name, value))
        elif isinstance(value, bytes):
            outer.attach(_bytes_part(name, value))
        else:
            outer.attach(_text_part(name, value))
    out = StringIO()
    gen = Generator(out, False)
    gen._write_headers = lambda msg: None  # body only, as maascli does
    gen.flatten(outer)
    body = "\r\n".join(out.getvalue().splitlines())
    outer.add_header("Content-Length", "%d" % len(body))
    return list(outer.items()), body


def prepare_payload(op, method, uri, data):
    """Return (uri, body, headers) for one CLI action invocation.

    data is None when the action accepts no key=value arguments.
    """
    query = [("op", op)] if op else []
    headers, body = [], None
    if method in ("GET", "DELETE") and data is not None:
        for name, value in data:
            if isinstance(value, FileArg):
                with open(value, "rb") as fh:
                    value = fh.read()
            query.append((name, value))
    elif data:
        headers, body = multipart_body(data)
    uri = urlparse(uri)._replace(query=query_encode(query)).geturl()
    return uri, body, headers


def oauth_sign(uri, headers, creds):
    """Add the Authorization header as apiclient MAASOAuth.sign_request."""
    consumer_key, token_key, token_secret = creds
    client = oauth1.Client(
        consumer_key,
        resource_owner_key=token_key,
        resource_owner_secret=token_secret,
        signature_method=oauth1.SIGNATURE_PLAINTEXT,
    )
    # maascli signs only the URL: default method GET, no body, no realm.
    _, signed, _ = client.sign(uri)
    headers.update(signed)


# ---------------------------------------------------------------------------
# Transport (maascli/api.py: http_request) with optional wire tracing
# ---------------------------------------------------------------------------

TRACE = {"on": False}
_orig_send = http.client.HTTPConnection.send


def _tracing_send(self, data):
    if TRACE["on"]:
        text = data if isinstance(data, str) else data.decode("latin-1")
        sys.stderr.write(">>> " + text.replace("\n", "\n>>> ") + "\n")
    return _orig_send(self, data)


http.client.HTTPConnection.send = _tracing_send


def http_request(url, method, body=None, headers=None, ca_certs=None,
                 insecure=False):
    http = httplib2.Http(
        ca_certs=ca_certs, disable_ssl_certificate_validation=insecure)
    try:
        response, content = http.request(
            url, method, body=body, headers=headers)
    except httplib2.ssl.SSLError as exc:
        raise ReplayError(
            "Certificate verification failed, use --insecure/-k to "
            "disable the certificate check.\n%s" % exc)
    except (OSError, httplib2.HttpLib2Error) as exc:
        raise ReplayError("%s %s: transport error: %s" % (method, url, exc))
    if TRACE["on"]:
        sys.stderr.write("<<< %s %s\n" % (response.status, response.reason))
        for key in sorted(response):
            sys.stderr.write("<<< %s: %s\n" % (key, response[key]))
        sys.stderr.write("<<< %r\n\n" % content[:2000])
    return response, content


def decode_json(content, what):
    try:
        return json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ReplayError("%s: body is not UTF-8 JSON (%s): %r"
                          % (what, exc, content[:300]))


# ---------------------------------------------------------------------------
# Login steps (maascli/cli.py: cmd_login; maascli/auth.py; maascli/api.py)
# ---------------------------------------------------------------------------

def parse_credentials(text):
    """apiclient.creds.convert_string_to_tuple; '' or blank -> anonymous."""
    if text == "-":
        text = sys.stdin.readline().strip()
    if not text or text.isspace():
        return None
    creds = tuple(text.split(":"))
    if len(creds) != 3:
        raise ReplayError(
            "Malformed credentials string.  Expected 3 colon-separated "
            "items, got %r." % text)
    return creds


def check_valid_apikey(url, creds, ca_certs, insecure):
    """The signed credential check; returns (response, whoami JSON)."""
    uri, body, headers = prepare_payload(
        "whoami", "GET", urljoin(url, "users/"), [])
    headers = dict(headers)
    oauth_sign(uri, headers, creds)
    response, content = http_request(
        uri, "GET", body=body, headers=headers, ca_certs=ca_certs,
        insecure=insecure)
    status = int(response["status"])
    if status == http.client.UNAUTHORIZED:
        raise ReplayError("The MAAS server rejected your API key. "
                          "(GET %s -> 401: %r)" % (uri, content[:300]))
    if status != http.client.OK:
        raise ReplayError("The MAAS server gave an unexpected response: %s "
                          "(GET %s: %r)" % (status, uri, content[:300]))
    return response, decode_json(content, "GET %s" % uri)


def fetch_api_description(url, ca_certs, insecure):
    """The unsigned describe fetch, with maascli's exact acceptance rules."""
    describe = urljoin(url, "describe/")
    response, content = http_request(
        describe, "GET", ca_certs=ca_certs, insecure=insecure)
    if response.status != http.client.OK:
        raise ReplayError("%s %s:\n%s" % (response.status, response.reason,
                                          content))
    if "content-type" not in response:
        raise ReplayError("describe/ response has no Content-Type header "
                          "(maascli would crash with KeyError)")
    if response["content-type"] != "application/json":
        raise ReplayError("Expected application/json, got: %s"
                          % response["content-type"])
    return decode_json(content, "GET %s" % describe)


# ---------------------------------------------------------------------------
# Describe validation and command-tree construction
# (maascli/api.py: register_resources/register_handler/register_actions)
# ---------------------------------------------------------------------------

CRUD = {"GET": "read", "POST": "create", "PUT": "update", "DELETE": "delete"}
# argparse dests every action parser already owns; params must not clash.
RESERVED_DESTS = {"help", "debug", "insecure", "data", "execute"}


def _need(obj, key, types, where):
    if not isinstance(obj, dict):
        raise ReplayError("%s: expected an object, got %s"
                          % (where, type(obj).__name__))
    if key not in obj:
        raise ReplayError("%s: missing key %r" % (where, key))
    value = obj[key]
    if not isinstance(value, types):
        names = "/".join("null" if t is type(None) else t.__name__
                         for t in (types if isinstance(types, tuple)
                                   else (types,)))
        raise ReplayError("%s[%r]: expected %s, got %s (%r)"
                          % (where, key, names, type(value).__name__,
                             value))
    return value


def validate_handler(handler, where, warnings):
    _need(handler, "name", str, where)
    doc = _need(handler, "doc", (str, type(None)), where)
    if doc is None:
        warnings.append("%s: doc is null (CLI help will be empty)" % where)
    params = _need(handler, "params", list, where)
    for i, param in enumerate(params):
        if not isinstance(param, str) or not param:
            raise ReplayError("%s.params[%d]: expected non-empty string, "
                              "got %r" % (where, i, param))
        if param in RESERVED_DESTS:
            raise ReplayError("%s.params: %r clashes with a CLI option dest"
                              % (where, param))
    if len(set(params)) != len(params):
        raise ReplayError("%s.params has duplicates: %r" % (where, params))
    path = _need(handler, "path", str, where)
    if not path.startswith("/"):
        raise ReplayError("%s.path must be an absolute path, got %r"
                          % (where, path))
    uri = _need(handler, "uri", str, where)
    if not urlparse(uri).scheme or not urlparse(uri).netloc:
        raise ReplayError("%s.uri must be an absolute URL, got %r"
                          % (where, uri))
    if not uri.endswith(path):
        warnings.append("%s: uri %r does not end with path %r"
                        % (where, uri, path))
    for template, label in ((path, "path"), (uri, "uri")):
        try:
            fields = [f for _, f, _, _ in
                      string.Formatter().parse(template)
                      if f is not None]
        except ValueError as exc:
            raise ReplayError("%s.%s %r is not a valid format template: %s "
                              "(the CLI calls .format() on it)"
                              % (where, label, template, exc))
        unknown = [f for f in fields if f not in params]
        if unknown:
            raise ReplayError("%s.%s %r has placeholders %r not in params %r"
                              " (CLI would raise KeyError)"
                              % (where, label, template, unknown, params))
        unused = [p for p in params if p not in fields]
        if unused:
            warnings.append("%s.%s %r lacks placeholders for params %r "
                            "(the CLI still demands them as positionals)"
                            % (where, label, template, unused))
    actions = _need(handler, "actions", list, where)
    seen = {}
    for i, action in enumerate(actions):
        aw = "%s.actions[%d]" % (where, i)
        name = _need(action, "name", str, aw)
        method = _need(action, "method", str, aw)
        if method not in CRUD:
            raise ReplayError("%s.method: %r is not GET/POST/PUT/DELETE"
                              % (aw, method))
        op = _need(action, "op", (str, type(None)), aw)
        _need(action, "doc", (str, type(None)), aw)
        restful = action.get("restful")
        if not isinstance(restful, bool):
            warnings.append("%s: 'restful' should be a boolean, got %r"
                            % (aw, restful))
        elif restful != (op is None):
            warnings.append("%s: restful=%r but op=%r" % (aw, restful, op))
        if op is None and name != CRUD[method]:
            warnings.append("%s: op is null so name should be %r, got %r"
                            % (aw, CRUD[method], name))
        if op is not None and op != name:
            warnings.append("%s: op %r differs from name %r" % (aw, op, name))
        cmd = action_command_name(name)
        if not cmd:
            raise ReplayError("%s: action name %r yields an empty command"
                              % (aw, name))
        if cmd in seen:
            raise ReplayError("%s: action %r and %r both become sub-command "
                              "%r" % (aw, seen[cmd], name, cmd))
        seen[cmd] = name


def build_command_tree(description, authenticated, profile_url, warnings):
    """Validate describe and return {command: handler-def} as maascli does.

    handler-def = dict(handler, handler_name=..., actions=..., cmd_actions=
    {sub-command: action}).
    """
    if not isinstance(description, dict):
        raise ReplayError("describe: top level must be an object")
    desc_hash = _need(description, "hash", str, "describe")
    if not re.fullmatch(r"[0-9a-f]{40}", desc_hash):
        warnings.append("describe.hash %r is not 40 hex digits (MAAS sends "
                        "a SHA-1 hexdigest)" % desc_hash)
    if not isinstance(description.get("doc"), str):
        warnings.append("describe.doc should be a string (MAAS: 'MAAS API')")
    if not isinstance(description.get("handlers"), list):
        warnings.append("describe.handlers (legacy alias list) missing")
    resources = _need(description, "resources", list, "describe")
    if not resources:
        raise ReplayError("describe.resources is empty")
    profile = urlparse(profile_url)
    tree = {}
    for i, resource in enumerate(resources):
        where = "describe.resources[%d]" % i
        rname = _need(resource, "name", str, where)
        where = "describe.resources[%d](%s)" % (i, rname)
        anon = _need(resource, "anon", (dict, type(None)), where)
        auth = _need(resource, "auth", (dict, type(None)), where)
        if anon is None and auth is None:
            raise ReplayError("%s: both anon and auth are null" % where)
        for kind, handler in (("anon", anon), ("auth", auth)):
            if handler is not None:
                validate_handler(handler, "%s.%s" % (where, kind), warnings)
                if "handler_name" in handler:
                    warnings.append(
                        "%s.%s has a 'handler_name' key; it overrides the "
                        "CLI's computed command name" % (where, kind))
                hurl = urlparse(handler["uri"])
                if (hurl.scheme, hurl.netloc) != (profile.scheme,
                                                  profile.netloc):
                    warnings.append(
                        "%s.%s.uri %r is not on the login host %s://%s "
                        "(older CLIs use uri, newer use path)"
                        % (where, kind, handler["uri"], profile.scheme,
                           profile.netloc))
        expected = (auth or anon)["name"]
        if rname != expected:
            warnings.append("%s: resource name should equal the %s handler's "
                            "name %r" % (where, "auth" if auth else "anon",
                                         expected))
        handlers = [anon] if not authenticated else [auth, anon]
        merged = {}
        for handler in handlers:
            if handler is not None:
                for action in handler["actions"]:
                    merged.setdefault(action["name"], action)
        if not merged:
            continue
        command = handler_command_name(rname)
        if not command:
            raise ReplayError("%s: name %r yields an empty command name"
                              % (where, rname))
        if command in tree:
            raise ReplayError(
                "%s: resources %r and %r both become command %r (argparse "
                "on Python >= 3.11 refuses duplicate sub-commands)"
                % (where, tree[command]["name"], rname, command))
        # Current maascli: {"name", "handler_name", "actions": merged,
        # **(auth or anon)} -- the handler's own keys win, so the
        # effective actions are those of auth (or anon), not the merge.
        hdef = {"name": rname, "handler_name": command,
                "actions": list(merged.values())}
        hdef.update(auth or anon)
        hidden = sorted(set(merged) - {a["name"] for a in hdef["actions"]})
        if hidden:
            warnings.append(
                "%s: anon-only actions %r are hidden by current maascli "
                "(it uses the auth handler's action list as-is)"
                % (where, hidden))
        hdef["cmd_actions"] = {
            action_command_name(a["name"]): a for a in hdef["actions"]}
        tree[command] = hdef
    return tree


def _canonical_key(value):
    if value is None:
        return (0,)
    if isinstance(value, (bool, int, float)):
        return (1, value)
    if isinstance(value, str):
        return (2, value)
    if isinstance(value, tuple):
        return (3, tuple(_canonical_key(v) for v in value))
    raise TypeError("cannot order %r" % (value,))


def _canonical(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return tuple(sorted((_canonical(v) for v in value),
                            key=_canonical_key))
    if isinstance(value, dict):
        return tuple(sorted(((_canonical(k), _canonical(v))
                             for k, v in value.items()), key=_canonical_key))
    raise TypeError("cannot canonicalise %r" % (value,))


def maas_style_hash(description):
    """SHA-1 the way maasserver/api/doc.py computes describe's hash.

    Computed over the description before the describe view adds absolute
    'uri' keys to handlers, and without the 'hash' key itself.  Purely
    informational: the CLI never recomputes it.
    """
    def strip(obj):
        if isinstance(obj, dict):
            return {k: strip(v) for k, v in obj.items() if k != "uri"}
        if isinstance(obj, list):
            return [strip(v) for v in obj]
        return obj
    body = {k: v for k, v in description.items() if k != "hash"}
    try:
        canon = _canonical(strip(body))
    except TypeError:
        return None
    return hashlib.sha1(json.dumps(canon).encode("ascii")).hexdigest()


# ---------------------------------------------------------------------------
# Running a generated command (maascli/api.py: Action.__call__)
# ---------------------------------------------------------------------------

def name_value_pair(arg):
    parts = re.split(r"(=|@=)", arg, maxsplit=1)
    if len(parts) != 3:
        raise ReplayError("%r is not a name=value or name@=filename pair"
                          % arg)
    name, sep, value = parts
    if sep == "@=":
        return name, FileArg(value)
    return name, value


class Session:
    def __init__(self, url, creds, tree, desc_hash, ca_certs, insecure,
                 require_hash):
        self.url = url
        self.creds = creds
        self.tree = tree
        self.desc_hash = desc_hash
        self.ca_certs = ca_certs
        self.insecure = insecure
        self.require_hash = require_hash
        self.hash_checks = 0

    def check_hash(self, response, what):
        """Action.compare_api_hashes, but fatal instead of a warning."""
        got = response.get("x-maas-api-hash")
        if got is None:
            if self.require_hash:
                raise ReplayError("%s: response lacks X-MAAS-API-Hash "
                                  "(MAAS sets it on every API response)"
                                  % what)
            return
        if got != self.desc_hash:
            raise ReplayError(
                "%s: X-MAAS-API-Hash %r != describe hash %r (the CLI prints "
                "'WARNING! The API on the server differs from the "
                "description that is cached locally...')"
                % (what, got, self.desc_hash))
        self.hash_checks += 1

    def resolve(self, argv):
        if len(argv) < 2:
            raise ReplayError("need '<command> <action> ...', got %r" % argv)
        command, sub = argv[0], argv[1]
        if command not in self.tree:
            raise ReplayError("invalid choice: %r (commands: %s)"
                              % (command, ", ".join(sorted(self.tree))))
        handler = self.tree[command]
        if sub not in handler["cmd_actions"]:
            raise ReplayError("%s: invalid choice: %r (actions: %s)"
                              % (command, sub,
                                 ", ".join(sorted(handler["cmd_actions"]))))
        return handler, handler["cmd_actions"][sub]

    def run(self, argv, expect_status=None):
        """Run `maas PROFILE argv...`; return (status, parsed body, info)."""
        handler, action = self.resolve(argv)
        rest = list(argv[2:])
        params = handler["params"]
        if len(rest) < len(params):
            raise ReplayError("%s: the following arguments are required: %s"
                              % (" ".join(argv[:2]),
                                 ", ".join(params[len(rest):])))
        positional = dict(zip(params, rest[:len(params)]))
        extra = rest[len(params):]
        _, body_doc = split_docstring(action["doc"])
        if ":param" in body_doc:
            data = [name_value_pair(a) for a in extra]
        elif extra:
            raise ReplayError(
                "unrecognized arguments: %s (action %r's doc has no ':param' "
                "after its first paragraph, so current maascli accepts no "
                "key=value arguments for it)" % (" ".join(extra),
                                                 action["name"]))
        else:
            data = None
        base = urlparse(self.url)
        uri = "%s://%s%s" % (base.scheme, base.netloc, handler["path"])
        uri = uri.format(**positional)
        uri, body, headers = prepare_payload(
            action["op"], action["method"], uri, data)
        headers = dict(headers)
        if self.creds is not None:
            oauth_sign(uri, headers, self.creds)
        response, content = http_request(
            uri, action["method"], body=body, headers=headers,
            ca_certs=self.ca_certs, insecure=self.insecure)
        what = "maas PROFILE %s (%s %s)" % (" ".join(argv),
                                           action["method"], uri)
        self.check_hash(response, what)
        if "content-type" not in response:
            raise ReplayError(
                "%s -> %s without a Content-Type header: maascli's "
                "print_response_content calls .endswith() on it and dies with "
                "\"'NoneType' object has no attribute 'endswith'\" (applies "
                "to 204 too)" % (what, response.status))
        if response.status // 100 != 2:
            raise ReplayError("%s -> %s %s: %r (the CLI exits with status 2)"
                              % (what, response.status, response.reason,
                                 content[:500]))
        if expect_status is not None and response.status != expect_status:
            raise ReplayError("%s -> %s, MAAS answers %s here"
                              % (what, response.status, expect_status))
        parsed = None
        if content:
            ctype = response.get("content-type", "")
            if ctype.split(";")[0].strip().endswith("/json"):
                parsed = decode_json(content, what)
            else:
                parsed = content.decode("utf-8", "replace")
        info = {"method": action["method"], "uri": uri,
                "status": response.status}
        return response.status, parsed, info


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Replay `maas login` and a few generated commands "
                    "exactly as Canonical's maas CLI sends them.")
    parser.add_argument("url", help="e.g. http://127.0.0.1:5240/MAAS/")
    parser.add_argument("apikey", help="consumer_key:token_key:token_secret "
                        "('-' reads it from stdin; '' = anonymous)")
    parser.add_argument("--login-only", action="store_true",
                        help="only the login exchange (whoami + describe)")
    parser.add_argument("--zone-name", default=None,
                        help="zone to create (default: random "
                             "ferrum-replay-XXXXXXXX)")
    parser.add_argument("--description", default="bar",
                        help="description= value for zones create")
    parser.add_argument("--no-delete", action="store_true",
                        help="keep the created zone (skip 'zone delete')")
    parser.add_argument("--run", action="append", default=[],
                        metavar="'CMD ACTION ARGS...'",
                        help="extra command(s) to run after the built-in "
                             "steps, e.g. --run 'machines read hostname=x'")
    parser.add_argument("--allow-missing-hash", action="store_true",
                        help="do not fail when X-MAAS-API-Hash is absent")
    parser.add_argument("--cacerts", default=None, help="CA bundle (PEM)")
    parser.add_argument("-k", "--insecure", action="store_true")
    parser.add_argument("--trace", action="store_true",
                        help="dump the raw request bytes and responses to "
                             "stderr")
    opts = parser.parse_args(argv)
    TRACE["on"] = opts.trace

    result = {"ok": False}
    step = "arguments"
    warnings = []
    try:
        url = api_url(opts.url)
        result["profile_url"] = url
        creds = parse_credentials(opts.apikey)

        # cmd_login order: credential check first, then describe.
        whoami_response = None
        if creds is not None:
            step = "whoami"
            whoami_response, whoami = check_valid_apikey(
                url, creds, opts.cacerts, opts.insecure)
            result["whoami"] = whoami
        else:
            warnings.append("anonymous login: no credential check is made")

        step = "describe"
        description = fetch_api_description(url, opts.cacerts, opts.insecure)
        tree = build_command_tree(description, creds is not None, url,
                                  warnings)
        result["commands"] = {
            name: sorted(h["cmd_actions"]) for name, h in sorted(tree.items())}
        result["hash"] = description["hash"]
        recomputed = maas_style_hash(description)
        result["hash_matches_maas_algorithm"] = (
            recomputed == description["hash"])

        session = Session(url, creds, tree, description["hash"],
                          opts.cacerts, opts.insecure,
                          not opts.allow_missing_hash)
        if whoami_response is not None:
            step = "whoami hash"
            session.check_hash(whoami_response, "GET users/?op=whoami")

        if not opts.login_only:
            if creds is None:
                raise ReplayError("the command run needs an API key")
            name = opts.zone_name or "ferrum-replay-%s" % uuid.uuid4().hex[:8]
            steps = {}

            step = "zones create"
            _, created, info = session.run(
                ["zones", "create", "name=%s" % name,
                 "description=%s" % opts.description], expect_status=200)
            if not isinstance(created, dict) or created.get("name") != name:
                raise ReplayError("zones create returned %r, expected an "
                                  "object with name %r" % (created, name))
            if created.get("description") != opts.description:
                raise ReplayError("zones create returned description %r, "
                                  "sent %r" % (created.get("description"),
                                               opts.description))
            result["created"] = created
            steps["zones create"] = info

            step = "zone read"
            _, zone, info = session.run(["zone", "read", name],
                                        expect_status=200)
            if not isinstance(zone, dict) or zone.get("name") != name:
                raise ReplayError("zone read %s returned %r" % (name, zone))
            steps["zone read"] = info

            step = "zones read"
            _, zones, info = session.run(["zones", "read"], expect_status=200)
            if not isinstance(zones, list) or name not in [
                    z.get("name") for z in zones if isinstance(z, dict)]:
                raise ReplayError("zones read does not list %r: %r"
                                  % (name, zones))
            steps["zones read"] = info

            step = "GET with query"
            machines = tree.get("machines")
            read = machines and machines["cmd_actions"].get("read")
            if read and ":param" in split_docstring(read["doc"])[1]:
                _, listed, info = session.run(
                    ["machines", "read", "zone=%s" % name], expect_status=200)
                if listed != []:
                    raise ReplayError("machines read zone=%s (a new, empty "
                                      "zone) returned %r, expected []"
                                      % (name, listed))
                steps["machines read zone=..."] = info
            else:
                warnings.append("GET-with-query step skipped: no 'machines "
                                "read' action documenting ':param'")

            for extra in opts.run:
                step = "run %s" % extra
                _, out, info = session.run(extra.split())
                info["body"] = out
                steps[extra] = info

            if not opts.no_delete:
                step = "zone delete"
                _, _, info = session.run(["zone", "delete", name],
                                         expect_status=204)
                steps["zone delete"] = info
            result["steps"] = steps

        result["hash_checks"] = session.hash_checks
        result["warnings"] = warnings
        result["ok"] = True
        print(json.dumps(result, sort_keys=True))
        return 0
    except ReplayError as exc:
        print(json.dumps({"ok": False, "step": step, "error": str(exc),
                          "warnings": warnings}, sort_keys=True))
        return 1


if __name__ == "__main__":
    sys.exit(main())
