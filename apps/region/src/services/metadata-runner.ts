import type { NodeCredentials } from './node-credential-service.js';

export interface RunnerOptions {
  /** `http://<host>/MAAS/metadata/` as the machine reached it. */
  readonly metadataUrl: string;
  readonly credentials: NodeCredentials;
  /** The machine's status when it asked (COMMISSIONING, TESTING, …): what the runner finishes with. */
  readonly status: string;
}

/** A Python literal of a string (JSON's string syntax is Python's). */
const py = (value: string): string => JSON.stringify(value);

/**
 * The user data of a machine in the ephemeral environment: a Python 3 script (standard library
 * only; cloud-init runs any `#!` user data) that speaks MAAS's script protocol
 * (maas-run-remote-scripts): it fetches `maas-scripts`, runs each script of `index.json` in
 * name order with its parameters as arguments and MAAS's environment (OUTPUT_*_PATH,
 * RESULT_PATH), signals WORKING when one
 * starts and its result with the files `<name>`, `<name>.out`, `<name>.err`, `<name>.yaml`
 * after, then signals the end of the phase: TESTING between commissioning and tests, OK or
 * FAILED at the end. Requests are signed with the machine's credentials (OAuth PLAINTEXT) and
 * retried; a 401 from a clock that is off adopts the region's clock from its Date header.
 */
export function scriptRunner(options: RunnerOptions): string {
  const { consumerKey, tokenKey, tokenSecret } = options.credentials;
  return `#!/usr/bin/env python3
# Ferrum script runner: MAAS's metadata script protocol. Generated for this machine by the
# region; its credentials are valid at the metadata API only and only while this work lasts.
import email.utils, io, json, os, subprocess, sys, tarfile, tempfile, threading, time, urllib.error
import urllib.parse, urllib.request, uuid

URL = ${py(options.metadataUrl)}
CREDS = (${py(consumerKey)}, ${py(tokenKey)}, ${py(tokenSecret)})
STATUS = ${py(options.status)}
SKEW = [0]
# While a script runs (erasing a disk takes hours), a signal this often tells the region the
# machine is alive: node_timeout minutes without one and the region fails the machine.
HEARTBEAT_SECONDS = 60


def authorization():
    params = {
        "oauth_consumer_key": CREDS[0], "oauth_token": CREDS[1],
        "oauth_signature_method": "PLAINTEXT", "oauth_signature": "&" + CREDS[2],
        "oauth_timestamp": str(int(time.time() + SKEW[0])), "oauth_nonce": uuid.uuid4().hex,
        "oauth_version": "1.0",
    }
    return "OAuth " + ", ".join('%s="%s"' % (k, urllib.parse.quote(v, safe="")) for k, v in params.items())


def call(path, body=None, content_type=None, attempts=8, timeout=120):
    for attempt in range(attempts):
        headers = {"Authorization": authorization()}
        if content_type:
            headers["Content-Type"] = content_type
        try:
            with urllib.request.urlopen(urllib.request.Request(URL + path, body, headers), timeout=timeout) as r:
                return r.read()
        except urllib.error.HTTPError as error:
            date = error.headers.get("Date")
            if error.code == 401 and date:
                # The region refuses timestamps 5 minutes off: take its clock.
                SKEW[0] = email.utils.parsedate_to_datetime(date).timestamp() - time.time()
            elif error.code < 500:
                raise
        except OSError:
            pass
        if attempt + 1 < attempts:
            time.sleep(min(2 ** attempt, 30))
    raise SystemExit("metadata API unreachable: " + URL + path)


def signal(status, files=None, attempts=8, timeout=120, **fields):
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    fields = dict(fields, op="signal", status=status)
    for name, value in fields.items():
        if value is not None:
            out.write(("--%s\\r\\nContent-Disposition: form-data; name=\\"%s\\"\\r\\n\\r\\n%s\\r\\n" % (boundary, name, value)).encode())
    for name, data in (files or {}).items():
        out.write(("--%s\\r\\nContent-Disposition: form-data; name=\\"%s\\"; filename=\\"%s\\"\\r\\n"
                   "Content-Type: application/octet-stream\\r\\n\\r\\n" % (boundary, name, name)).encode())
        out.write(data + b"\\r\\n")
    out.write(("--%s--\\r\\n" % boundary).encode())
    call("latest/", out.getvalue(), "multipart/form-data; boundary=" + boundary, attempts, timeout)


def arguments(script):
    # The script's parameters as arguments (maas-run-remote-scripts' parse_parameters): a true
    # boolean gives its argument_format, another value its argument_format with {input} (and a
    # disk's or NIC's own fields) filled in. A storage or interface parameter of "all" gives
    # none: the script then works on every disk or NIC itself.
    args = []
    for name, param in sorted((script.get("parameters") or {}).items()):
        if not isinstance(param, dict) or param.get("value") in (None, ""):
            continue
        kind, value = param.get("type"), param["value"]
        if kind == "boolean":
            if str(value).lower() in ("true", "1", "yes", "on"):
                args += str(param.get("argument_format") or "--" + name).split()
            continue
        if kind in ("storage", "interface") and value == "all":
            continue
        fields = dict(value) if isinstance(value, dict) else {"name": value}
        fields.setdefault("input", fields.get("name", value))
        if kind == "storage":
            fields.setdefault("path", fields.get("id_path") or "/dev/%s" % fields.get("name", value))
        default = {"storage": "--storage={path}", "interface": "--interface={name}"}.get(kind, "--%s={input}" % name)
        for part in str(param.get("argument_format") or default).split():
            try:
                args.append(part.format(**fields))
            except Exception:
                # A format the value does not fit ({name.x}, {0}, a lone brace): as written.
                args.append(part)
    return args


def heartbeat(finished):
    while not finished.wait(HEARTBEAT_SECONDS):
        try:
            # One try, briefly: a heartbeat lost is made up by the next, and must not hold the
            # script's result back when the region is away.
            signal("WORKING", attempts=1, timeout=10)
        except BaseException:
            # A heartbeat that does not get through is not the script's failure.
            pass


def run(root, scripts):
    failed = False
    for script in sorted(scripts, key=lambda s: s["name"]):
        if script.get("has_finished"):
            continue
        name, ident = script["name"], script.get("script_result_id")
        signal("WORKING", name=name, script_result_id=ident, script_version_id=script.get("script_version_id"))
        work = tempfile.mkdtemp(prefix=name + ".")
        paths = {k: os.path.join(work, k) for k in ("combined", "stdout", "stderr", "result.yaml")}
        env = dict(os.environ, OUTPUT_COMBINED_PATH=paths["combined"], OUTPUT_STDOUT_PATH=paths["stdout"],
                   OUTPUT_STDERR_PATH=paths["stderr"], RESULT_PATH=paths["result.yaml"])
        started, status = time.time(), "WORKING"
        timeout = script.get("timeout_seconds") or None
        path = os.path.join(root, script["path"])
        os.chmod(path, 0o755)
        finished = threading.Event()
        beat = threading.Thread(target=heartbeat, args=(finished,), daemon=True)
        beat.start()
        try:
            done = subprocess.run([path] + arguments(script), capture_output=True, env=env, timeout=timeout,
                                  cwd=work)
            exit_status, stdout, stderr = done.returncode, done.stdout, done.stderr
        except subprocess.TimeoutExpired as expired:
            exit_status, stdout, stderr, status = 124, expired.stdout or b"", expired.stderr or b"", "TIMEDOUT"
        except OSError as error:
            exit_status, stdout, stderr = 2, b"", str(error).encode()
        finally:
            finished.set()
            beat.join()
        files = {name: stdout + stderr, name + ".out": stdout, name + ".err": stderr}
        if os.path.exists(paths["result.yaml"]):
            with open(paths["result.yaml"], "rb") as result:
                files[name + ".yaml"] = result.read()
        signal(status, files, name=name, script_result_id=ident, exit_status=exit_status,
               runtime="%.2f" % (time.time() - started))
        failed = failed or exit_status != 0 or status == "TIMEDOUT"
    return failed


def main():
    root = tempfile.mkdtemp(prefix="maas-scripts.")
    with tarfile.open(fileobj=io.BytesIO(call("latest/maas-scripts"))) as tar:
        tar.extractall(root)
    with open(os.path.join(root, "index.json")) as index_file:
        index = json.load(index_file)["1.0"]
    if STATUS == "ENTERING_RESCUE_MODE":
        signal("OK")
        return
    failed = run(root, index.get("commissioning_scripts", []))
    if STATUS == "COMMISSIONING":
        if failed:
            signal("FAILED", error="A commissioning script failed.")
            return
        if index.get("testing_scripts"):
            signal("TESTING")
    failed = run(root, index.get("testing_scripts", [])) or failed
    failed = run(root, index.get("release_scripts", [])) or failed
    signal("FAILED" if failed else "OK", error="A script failed." if failed else None)


if __name__ == "__main__":
    sys.exit(main())
`;
}
