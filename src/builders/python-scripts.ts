// Small Python programs run with the build's Python: tarfile writes pax sdists, `wheel pack` rewrites RECORD.

/**
 * argv: SRC DST TOP. Rewrite an sdist so its single top-level directory is TOP (PEP 625 `{name}-{version}`),
 * as a pax tar, gzip with mtime 0. Exits 3 with a message when the archive has more than one top-level entry.
 */
export const RENAME_SDIST = String.raw`
import gzip, io, sys, tarfile
src, dst, top = sys.argv[1:4]
with tarfile.open(src, "r:gz") as tin:
    members = tin.getmembers()
    tops = sorted({m.name.split("/", 1)[0] for m in members})
    if len(tops) != 1:
        print("expected one top-level directory, found: " + ", ".join(tops), file=sys.stderr)
        sys.exit(3)
    old = tops[0]
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tout:
        for m in members:
            data = tin.extractfile(m) if m.isfile() else None
            m.name = top + m.name[len(old):]
            if m.islnk() and (m.linkname == old or m.linkname.startswith(old + "/")):
                m.linkname = top + m.linkname[len(old):]
            m.pax_headers = {k: v for k, v in m.pax_headers.items() if k not in ("path", "linkpath")}
            tout.addfile(m, data)
with open(dst, "wb") as f, gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0) as gz:
    gz.write(raw.getvalue())
`;

/**
 * argv: WHEEL OUTDIR PLATFORMS. Replace the platform of every WHEEL \`Tag:\` line with each of PLATFORMS
 * (dot-separated) and repack with \`wheel pack\`, which rewrites RECORD and names the file from the tags.
 * Prints the new filename.
 */
export const RETAG_WHEEL = String.raw`
import glob, os, subprocess, sys, tempfile
whl, outdir, platforms = sys.argv[1], sys.argv[2], sys.argv[3].split(".")
with tempfile.TemporaryDirectory() as tmp:
    subprocess.run([sys.executable, "-m", "wheel", "unpack", "--dest", tmp, whl], check=True, stdout=subprocess.DEVNULL)
    (name,) = os.listdir(tmp)
    root = os.path.join(tmp, name)
    (info,) = glob.glob(os.path.join(root, "*.dist-info"))
    path = os.path.join(info, "WHEEL")
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    pairs = []
    for line in lines:
        if line.startswith("Tag: "):
            interp, abi, _ = line[5:].strip().split("-")
            if (interp, abi) not in pairs:
                pairs.append((interp, abi))
    first = next(i for i, line in enumerate(lines) if line.startswith("Tag: "))
    rest = [line for line in lines if not line.startswith("Tag: ")]
    tags = ["Tag: %s-%s-%s" % (i, a, p) for i, a in pairs for p in platforms]
    lines = rest[:first] + tags + rest[first:]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    before = set(os.listdir(outdir))
    subprocess.run([sys.executable, "-m", "wheel", "pack", "--dest-dir", outdir, root], check=True, stdout=subprocess.DEVNULL)
    (made,) = sorted(set(os.listdir(outdir)) - before)
    print(made)
`;

/** Prints `3.11` (or `3.13t` for a free-threaded build) for the interpreter running it. */
export const PYTHON_VERSION = String.raw`
import sys, sysconfig
print("%d.%d%s" % (sys.version_info[0], sys.version_info[1], "t" if sysconfig.get_config_var("Py_GIL_DISABLED") else ""))
`;
