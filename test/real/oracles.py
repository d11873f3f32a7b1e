"""Record what the reference tools say about a directory of real wheels, as data the accuracy check compares with.

    AUDITWHEEL_SRC=/path/to/auditwheel/src /usr/bin/python3 test/real/oracles.py OUT.json WHEEL_OR_DIR...

Oracles (Debian's python3 with python3-pyelftools, twine and packaging):
- auditwheel, run from its source tree (AUDITWHEEL_SRC) through `analyze_wheel_abi`, the function behind
  `auditwheel show`, with an empty --ldpaths so that the host's libraries play no part: the policy levels
  (overall, symbols, external libraries, blacklist, ISA), the external libraries and blacklisted symbols
  per policy.
- `twine check --strict`'s rules (README rendering is an error; a missing long description or content type a
  warning), applied to METADATA read directly (Debian's twine cannot read Metadata-Version >= 2.3).
- packaging: the filename parses (parse_wheel_filename), the version has no local part (PyPI rejects it).
- PyPI's archive-wide zip rule (warehouse: reject when > 64 MiB uncompressed and > 50x compressed).
- zipfile + hashlib: RECORD's listed hashes and sizes are right (what `installer` checks).
Verdicts are cached in OUT.json by file name and size: a second run only does new wheels.
REFRESH_PACKAGING=1 (REFRESH_TWINE=1, REFRESH_ZIP=1) recomputes the packaging/PyPI (twine, zip) verdicts of the cached
wheels named; SKIP_NEW=1 judges no new ones; LARGEST_FIRST=1 starts from the largest.
When pyelftools cannot parse a wheel's ELF file (its auditwheel verdict is an error such as ArrayError), delete
that wheel from OUT.json and judge it again with a newer pyelftools first on PYTHONPATH (Debian sid's
python3-pyelftools, extracted from its .deb as .ci/setup does for towncrier); say so in OUT.json's oracles.
"""
import base64
import csv
import faulthandler
import functools
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path


def auditwheel_verdict(path: Path):
    from auditwheel import elfutils
    from auditwheel.error import NonPlatformWheelError
    from auditwheel.wheel_abi import analyze_wheel_abi

    # auditwheel reads an extension's whole symbol table with pyelftools once per policy (~25 of them) to find
    # blacklisted symbols: on a large extension that is most of an hour. The table does not change between
    # policies, so it is read once per file; the cache lives for one wheel (its files sit in a temporary dir).
    if not hasattr(elfutils.get_undefined_symbols, "cache_clear"):
        elfutils.get_undefined_symbols = functools.lru_cache(maxsize=None)(elfutils.get_undefined_symbols)
    elfutils.get_undefined_symbols.cache_clear()
    try:
        w = analyze_wheel_abi(None, None, path, frozenset(), disable_isa_ext_check=False, allow_graft=False, args_ldpaths="")
    except NonPlatformWheelError as e:
        return {"platform": False, "error": str(e).strip()[:300]}
    except Exception as e:  # noqa: BLE001 - any failure of the oracle is recorded, not fatal
        return {"error": f"{type(e).__name__}: {str(e).strip()[:300]}"}
    return {
        "platform": True,
        "overall": w.overall_policy.name,
        "sym": w.sym_policy.name,
        "ref": w.ref_policy.name,
        "blacklist_policy": w.blacklist_policy.name,
        "machine": w.machine_policy.name,
        "ucs": w.ucs_policy.name,
        "pyfpe": w.pyfpe_policy.name,
        "versioned_symbols": {k: sorted(v) for k, v in sorted(w.versioned_symbols.items())},
        "external_libs": {p.name: sorted(ref.libs) for p in w.policies if p.priority > 0 for ref in [w.external_refs[p.name]] if ref.libs},
        "blacklisted": {p.name: {k: sorted(v) for k, v in ref.blacklist.items()} for p in w.policies if p.priority > 0 for ref in [w.external_refs[p.name]] if ref.blacklist},
    }


def packaging_verdict(path: Path):
    """packaging's filename parse, plus PyPI's upload rules on names and versions (warehouse forklift/legacy.py)
    computed with packaging: local versions, the normalised filename name, METADATA Name and Version, and
    the Metadata-Versions PyPI accepts."""
    import email.parser

    from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
    from packaging.version import InvalidVersion, Version

    try:
        name, version, build, tags = parse_wheel_filename(path.name)
    except InvalidWheelFilename as e:
        return {"filename_ok": False, "error": str(e)}
    out = {"filename_ok": True, "name": name, "version": str(version), "local": version.local}
    raw = path.name.split("-")[0]
    out["name_normalized"] = raw == canonicalize_name(raw).replace("-", "_")
    with zipfile.ZipFile(path) as zf:
        meta = [n for n in zf.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
        if len(meta) == 1:
            msg = email.parser.Parser().parsestr(zf.read(meta[0]).decode("utf-8"), headersonly=True)
            out["metadata_version_ok"] = msg.get("Metadata-Version", "").strip() in {"1.0", "1.1", "1.2", "2.1", "2.2", "2.3", "2.4", "2.5"}
            out["metadata_name_ok"] = canonicalize_name(msg.get("Name", "")) == name
            try:
                out["metadata_version_matches"] = Version(msg.get("Version", "")) == version
            except InvalidVersion:
                out["metadata_version_matches"] = False
    return out


def zip_verdict(path: Path):
    out = {"bomb": False, "record_ok": True, "record_problems": []}
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        size = sum(i.file_size for i in infos)
        compressed = sum(i.compress_size for i in infos)
        out["uncompressed"] = size
        out["compressed"] = compressed
        out["bomb"] = size > 64 * 1024 * 1024 and size / max(1, compressed) > 50
        records = [n for n in zf.namelist() if n.count("/") == 1 and n.endswith(".dist-info/RECORD")]
        if len(records) != 1:
            out["record_ok"] = False
            out["record_problems"].append(f"{len(records)} RECORD files")
            return out
        names = set(zf.namelist())
        rows = list(csv.reader(io.TextIOWrapper(zf.open(records[0]), encoding="utf-8")))
        for row in rows:
            if not row:
                continue
            if len(row) != 3:
                out["record_ok"] = False
                out["record_problems"].append(f"malformed row {row!r}"[:200])
                continue
            name, digest, size_s = row
            if name not in names:
                if name.endswith("/"):
                    continue
                out["record_ok"] = False
                out["record_problems"].append(f"listed, absent: {name}"[:200])
                continue
            if not digest:
                continue
            algo, _, expected = digest.partition("=")
            h = hashlib.new(algo)
            n = 0
            with zf.open(name) as f:
                while chunk := f.read(1 << 20):
                    h.update(chunk)
                    n += len(chunk)
            got = base64.urlsafe_b64encode(h.digest()).rstrip(b"=").decode()
            if got != expected.rstrip("=") and h.hexdigest() == expected.lower() and (not size_s or str(n) == size_s):
                # The right digest, written in hex: `installer --validate-record` refuses it, pip (which does not
                # check RECORD digests) installs it and PyPI accepts it. Counted apart from wrong digests.
                out["record_hex"] = out.get("record_hex", 0) + 1
                continue
            if got != expected.rstrip("=") or (size_s and str(n) != size_s):
                out["record_ok"] = False
                out["record_problems"].append(f"hash/size differs: {name}"[:200])
        listed = {r[0] for r in rows if r}
        for n in names:
            if not n.endswith("/") and n not in listed:
                out["record_ok"] = False
                out["record_problems"].append(f"not listed: {n}"[:200])
        out["record_problems"] = out["record_problems"][:5]
    return out


def twine_verdict(path: Path):
    """`twine check --strict`'s rules (twine/commands/check.py `_check_file`) on METADATA read directly:
    Debian's twine reads metadata through a pkginfo that predates Metadata-Version 2.3 and refuses such wheels."""
    import email.parser

    from twine.commands.check import _RENDERERS, _WarningStream, cgi

    with zipfile.ZipFile(path) as zf:
        meta = [n for n in zf.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
        if len(meta) != 1:
            return {"ok": False, "errors": [f"{len(meta)} METADATA files"], "warnings": []}
        msg = email.parser.Parser().parsestr(zf.read(meta[0]).decode("utf-8"))
    # The description as pkginfo 1.8 (twine 4.0.2's reader) gives it for a wheel: the Description field unless it
    # is UNKNOWN (with pkginfo's 8-space unindent), replaced by a non-empty body, and otherwise the body even when
    # empty. So an absent description is "" and passes `--strict`; only UNKNOWN warns.
    description = None
    if msg.get("Description") is not None:
        field = "\n".join(x[8:] if x.startswith(" " * 8) else x for x in msg.get("Description").strip().splitlines())
        if field != "UNKNOWN":
            description = field
    if msg.get_payload():
        description = msg.get_payload()
    if description is None:
        description = msg.get_payload()
    dct = msg.get("Description-Content-Type")
    warnings, errors = [], []
    if dct is None:
        warnings.append("`long_description_content_type` missing. defaulting to `text/x-rst`.")
        dct = "text/x-rst"
    content_type, params = cgi.parse_header(dct)
    renderer = _RENDERERS.get(content_type, _RENDERERS[None])
    if description is None or description.rstrip() == "UNKNOWN":
        warnings.append("`long_description` missing.")
    elif renderer:
        stream = _WarningStream()
        if renderer.render(description, stream=stream, **params) is None:
            errors.append(f"`long_description` has syntax errors in markup and would not be rendered on PyPI. {stream}"[:400])
    # PyPI renders only a non-empty description (warehouse: `if meta.description`), so a render error on "" is
    # twine's alone.
    return {"ok": not errors, "strict_ok": not errors and not warnings, "errors": errors, "warnings": warnings, "empty": description == ""}


def versions():
    import elftools
    import packaging

    commit = subprocess.run(["git", "-C", os.environ.get("AUDITWHEEL_GIT", ""), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip() if os.environ.get("AUDITWHEEL_GIT") else os.environ.get("AUDITWHEEL_COMMIT", "unknown")
    twine = subprocess.run(["twine", "--version"], capture_output=True, text=True).stdout.split("\n")[0].strip()
    return {
        "auditwheel": {"source": "github.com/pypa/auditwheel", "commit": commit, "ldpaths": "", "pyelftools": elftools.__version__},
        "twine": twine,
        "packaging": packaging.__version__,
        "python": sys.version.split()[0],
    }


def main():
    # `kill -USR1 PID` prints where a slow run is (auditwheel on one large wheel can take many minutes).
    faulthandler.register(signal.SIGUSR1, all_threads=False)
    out_file = Path(sys.argv[1])
    wheels = []
    for arg in sys.argv[2:]:
        p = Path(arg)
        wheels += sorted(p.rglob("*.whl")) if p.is_dir() else [p]
    sys.path.insert(0, os.environ["AUDITWHEEL_SRC"])
    data = json.loads(out_file.read_text()) if out_file.exists() else {"oracles": {}, "wheels": {}}
    data["oracles"] = versions()
    if os.environ.get("REFRESH_PACKAGING") or os.environ.get("REFRESH_TWINE") or os.environ.get("REFRESH_ZIP"):
        # Cheap oracles only, for wheels already judged (after a change to them).
        for w in wheels:
            if w.name in data["wheels"]:
                if os.environ.get("REFRESH_PACKAGING"):
                    data["wheels"][w.name]["packaging"] = packaging_verdict(w)
                if os.environ.get("REFRESH_TWINE"):
                    data["wheels"][w.name]["twine"] = twine_verdict(w)
                if os.environ.get("REFRESH_ZIP"):
                    data["wheels"][w.name]["zip"] = zip_verdict(w)
    todo = [w for w in wheels if data["wheels"].get(w.name, {}).get("size") != w.stat().st_size]
    if os.environ.get("SKIP_NEW"):
        todo = []
    print(f"{len(wheels)} wheels, {len(todo)} to judge", file=sys.stderr)
    t0 = time.time()
    # LARGEST_FIRST=1 goes the other way: a second run into another file meets the first in the middle.
    for i, w in enumerate(sorted(todo, key=lambda p: p.stat().st_size, reverse=bool(os.environ.get("LARGEST_FIRST")))):
        v = {"size": w.stat().st_size, "packaging": packaging_verdict(w), }
        try:
            v["twine"] = twine_verdict(w)
        except Exception as e:  # noqa: BLE001
            v["twine"] = {"error": f"{type(e).__name__}: {e}"[:300]}
        try:
            v["zip"] = zip_verdict(w)
        except Exception as e:  # noqa: BLE001
            v["zip"] = {"error": f"{type(e).__name__}: {e}"[:300]}
        if not w.name.endswith("-any.whl"):
            v["auditwheel"] = auditwheel_verdict(w)
        data["wheels"][w.name] = v
        # Saved after every wheel: the largest take minutes each, and an interrupted run resumes from here.
        print(f"  {i + 1}/{len(todo)} {time.time() - t0:.0f}s {w.name}", file=sys.stderr)
        save(out_file, data)
    save(out_file, data)


def save(out_file: Path, data):
    # Written beside and renamed, so an interrupted run never leaves half a file.
    tmp = out_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    tmp.replace(out_file)


if __name__ == "__main__":
    main()
