"""Record which real wheels' METADATA PyPI's upload would reject, as data the accuracy check compares with.

    PYTHONPATH=LIB WAREHOUSE_COMMIT=<sha> python3 test/real/pypi_metadata.py OUT.json DIR...

LIB holds packaging, trove-classifiers, email-validator (with dnspython, idna) and rfc3986, e.g. unpacked from
`python3 -m pip download --no-deps -d LIB packaging trove-classifiers email-validator dnspython idna rfc3986`.

The rules are warehouse's (github.com/pypi/warehouse, warehouse/forklift/metadata.py at WAREHOUSE_COMMIT):
`forklift/legacy.py` validates the upload's form fields, which twine fills from METADATA, through
`parse_form_metadata` (twine sends only the fields of its `_RAW_TO_PACKAGE_METADATA`, and no License-File below
Metadata-Version 2.4, github.com/pypa/twine twine/package.py; an empty value counts as absent; a field packaging cannot parse, e.g. a single-use field
given twice, is an error; fields twine does not send are ignored) -> packaging's `Metadata.from_raw(validate=True)`
-> `_validate_metadata` (supported Metadata-Version, no local version, Summary <= 512 characters, RFC 822 author and
maintainer e-mails, known and not deprecated classifiers, http(s) Home-page / Download-URL / Project-URL with
labels <= 32 characters, Provides-Dist / Obsoletes-Dist as PEP 508 without URLs, no direct URL in Requires-Dist,
known Dynamic fields, not both License and License-Expression). `_validate_metadata` is copied below as
`warehouse_rules`, trimmed to the metadata object (same checks, same messages).
"""
import email.utils
import hashlib
import json
import os
import sys
import zipfile
from pathlib import Path

import email_validator
import packaging
from packaging.metadata import _EMAIL_TO_RAW_MAPPING, _RAW_TO_EMAIL_MAPPING, InvalidMetadata, Metadata, parse_email
from packaging.requirements import InvalidRequirement, Requirement
from rfc3986 import exceptions, uri_reference, validators
from trove_classifiers import all_classifiers, deprecated_classifiers

SUPPORTED_METADATA_VERSIONS = {"1.0", "1.1", "1.2", "2.1", "2.2", "2.3", "2.4", "2.5"}
DYNAMIC_FIELDS = [
    "Platform", "Supported-Platform", "Summary", "Description", "Description-Content-Type", "Keywords",
    "Home-Page", "Download-Url", "Author", "Author-Email", "Maintainer", "Maintainer-Email", "License",
    "License-Expression", "License-File", "Classifier", "Requires-Dist", "Requires-Python", "Requires-External",
    "Project-Url", "Provides-Extra", "Provides-Dist", "Obsoletes-Dist", "Requires", "Provides", "Obsoletes",
    "Import-Name", "Import-Namespace",
]


def is_valid_uri(uri):  # warehouse/utils/http.py, require_authority=False
    uri = uri_reference(uri).normalize()
    validator = validators.Validator().allow_schemes("http", "https")
    validator.require_presence_of("scheme")
    validator.check_validity_of("scheme", "host", "port", "path", "query")
    try:
        validator.validate(uri)
    except exceptions.ValidationError:
        return False
    return True


def warehouse_rules(metadata):
    errors = []
    name = lambda field: _RAW_TO_EMAIL_MAPPING.get(field, field)  # noqa: E731
    if metadata.metadata_version not in SUPPORTED_METADATA_VERSIONS:
        errors.append(("metadata-version", f"{metadata.metadata_version!r} is not a valid metadata version"))
    if metadata.version.local:
        errors.append(("version", f"The use of local versions in '{metadata.version}' is not allowed."))
    if isinstance(metadata.summary, str) and len(metadata.summary) > 512:
        errors.append(("summary", "'summary' field must be 512 characters or less."))
    for field in ("author_email", "maintainer_email"):
        if (addr := getattr(metadata, field)) is not None:
            _, address = email.utils.parseaddr(addr)
            if address:
                try:
                    email_validator.validate_email(address, check_deliverability=False)
                except email_validator.EmailNotValidError as exc:
                    errors.append((name(field), f"{address!r} is not a valid email address: {exc}"))
    for c in sorted(set(metadata.classifiers or []) - set(all_classifiers)):
        errors.append(("classifier", f"{c!r} is not a valid classifier."))
    for c in sorted(set(metadata.classifiers or []) & deprecated_classifiers.keys()):
        errors.append(("classifier", f"The classifier {c!r} has been deprecated."))
    for field in ("home_page", "download_url"):
        if (url := getattr(metadata, field)) is not None and not is_valid_uri(url):
            errors.append((name(field), f"{url!r} is not a valid url."))
    for label, url in (metadata.project_urls or {}).items():
        if not label:
            errors.append(("project-url", "Must have a label"))
        elif len(label) > 32:
            errors.append(("project-url", f"{label!r} must be 32 characters or less."))
        elif not url:
            errors.append(("project-url", "Must have a URL"))
        elif not is_valid_uri(url):
            errors.append(("project-url", f"{url!r} is not a valid url"))
    for field in ("provides_dist", "obsoletes_dist"):
        for req_str in getattr(metadata, field) or []:
            try:
                req = Requirement(req_str)
            except InvalidRequirement as exc:
                errors.append((name(field), f"{req_str!r} is invalid: {exc}"))
            else:
                if req.url is not None:
                    errors.append((name(field), f"Can't have direct dependency: {req_str!r}"))
    for req in metadata.requires_dist or []:
        if req.url is not None:
            errors.append(("requires-dist", f"Can't have direct dependency: {req}"))
    for key in metadata.dynamic or []:
        if key not in map(str.lower, DYNAMIC_FIELDS):
            errors.append(("dynamic", f"Dynamic field {key!r} is not a valid dynamic field."))
    if metadata.license and metadata.license_expression:
        errors.append(("license", "License is deprecated when License-Expression is present. "
                       "Only License-Expression should be present."))
    return errors


# The fields twine sends (twine/package.py `_RAW_TO_PACKAGE_METADATA`); others never reach PyPI.
TWINE_SENDS = {
    "metadata_version", "name", "version", "platforms", "summary", "description", "keywords", "home_page", "author",
    "author_email", "license", "supported_platforms", "download_url", "classifiers", "requires", "provides",
    "obsoletes", "maintainer", "maintainer_email", "requires_dist", "provides_dist", "obsoletes_dist",
    "requires_python", "requires_external", "project_urls", "description_content_type", "provides_extra", "dynamic",
    "license_expression", "license_files",
}


def verdict(content: bytes):
    raw, unparsed = parse_email(content)
    # twine drops License-File below Metadata-Version 2.4 (setuptools wrote it into 2.1 metadata for years).
    if raw.get("metadata_version") in ("1.0", "1.1", "1.2", "2.0", "2.1", "2.2", "2.3"):
        raw.pop("license_files", None)
        unparsed.pop("license-file", None)
    # parse_form_metadata: an empty value is no value; a known field packaging could not parse is an error.
    raw = {k: v for k, v in raw.items() if k in TWINE_SENDS and v not in ("", [""])}
    unsent = {_RAW_TO_EMAIL_MAPPING[k] for k in _RAW_TO_EMAIL_MAPPING if k not in TWINE_SENDS}
    reasons = [(key, f"{key!r} has invalid data") for key in sorted(unparsed)
               if key in _EMAIL_TO_RAW_MAPPING and key not in unsent]
    try:
        metadata = Metadata.from_raw(raw, validate=True)
    except ExceptionGroup as group:
        reasons += [(e.field, str(e)) for e in group.exceptions if isinstance(e, InvalidMetadata)]
        reasons += [("?", f"{type(e).__name__}: {e}") for e in group.exceptions if not isinstance(e, InvalidMetadata)]
    else:
        if not reasons:
            reasons += warehouse_rules(metadata)
    return reasons


def judge(path: Path):
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with zipfile.ZipFile(path) as z:
        names = [n for n in z.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
        if len(names) != 1:
            return {"sha256": digest, "accepted": None, "reasons": [f"{len(names)} .dist-info/METADATA files"]}
        reasons = verdict(z.read(names[0]))
    return {"sha256": digest, "accepted": not reasons, "reasons": [f"{field}: {msg}" for field, msg in reasons]}


def main():
    out, dirs = sys.argv[1], sys.argv[2:]
    wheels = {}
    for d in dirs:
        for p in sorted(Path(d).rglob("*.whl")) if Path(d).is_dir() else [Path(d)]:
            wheels.setdefault(p.name, p)  # the same file name in two directories is judged once
    verdicts = {name: judge(p) for name, p in sorted(wheels.items())}
    rejected = sum(1 for v in verdicts.values() if v["accepted"] is False)
    doc = {
        "note": f"PyPI's upload metadata validation over {len(verdicts)} distinct real wheels ({', '.join(dirs)}): "
                f"{rejected} rejected. Regenerate: PYTHONPATH=LIB WAREHOUSE_COMMIT=<sha> python3 "
                "test/real/pypi_metadata.py OUT.json DIR... (see the script's docstring)",
        "oracles": {
            "warehouse": {"source": "github.com/pypi/warehouse", "file": "warehouse/forklift/metadata.py",
                          "commit": os.environ.get("WAREHOUSE_COMMIT", "unknown")},
            "packaging": packaging.__version__,
            "trove-classifiers": _version("trove_classifiers"),
            "email-validator": email_validator.__version__,
            "rfc3986": _version("rfc3986"),
            "python": sys.version.split()[0],
        },
        "verdicts": verdicts,
    }
    Path(out).write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    print(f"{len(verdicts)} wheels, {rejected} rejected")


def _version(dist):
    from importlib.metadata import version
    return version(dist)


if __name__ == "__main__":
    main()
