"""The Python peer: what Python tools do today. Check every RECORD hash and size with zipfile + hashlib."""
import base64
import csv
import hashlib
import io
import sys
import zipfile


def check(path: str) -> int:
    bad = 0
    with zipfile.ZipFile(path) as zf:
        record_name = next(n for n in zf.namelist() if n.endswith(".dist-info/RECORD"))
        rows = csv.reader(io.TextIOWrapper(zf.open(record_name), encoding="utf-8"))
        for name, digest, size in rows:
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
            if got != expected or str(n) != size:
                bad += 1
    return bad


if __name__ == "__main__":
    failures = 0
    for p in sys.argv[1:]:
        try:
            failures += check(p)
        except Exception:  # noqa: BLE001 - a real wheel the peer cannot read counts as a failure, not a crash
            failures += 1
    print(failures)
    sys.exit(1 if failures else 0)
