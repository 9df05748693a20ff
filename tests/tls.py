"""A throw-away certificate authority for tests serving HTTPS from 127.0.0.1.

    folder = make_certificates(tmp_path, "feeds.example")
    server_context = server_tls(folder)                    # for FeedServer(ssl_context=...)
    client_context = ssl.create_default_context(cafile=str(folder / "ca.pem"))

The leaf certificate names the given host names only (no IP address), so a client must
send the name for SNI and check the certificate against it.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path


def make_certificates(folder: Path, *names: str) -> Path:
    if shutil.which("openssl") is None:
        raise RuntimeError("the openssl command is needed to make test certificates")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    alt_names = ",".join(f"DNS:{name}" for name in names)
    (folder / "leaf.ext").write_text(
        f"subjectAltName={alt_names}\nbasicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
        "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
    )
    commands = [
        ["openssl", "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2"]
        + ["-subj", "/CN=Airwaves test CA", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        ["openssl", "req", *ec, "-keyout", "leaf.key", "-out", "leaf.csr"]
        + ["-subj", f"/CN={names[0]}"],
        ["openssl", "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key"]
        + ["-CAcreateserial", "-out", "leaf.pem", "-days", "2", "-extfile", "leaf.ext"],
    ]
    for command in commands:
        subprocess.run(command, cwd=folder, check=True, capture_output=True)
    return folder


def server_tls(folder: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(folder / "leaf.pem", folder / "leaf.key")
    return context


def client_tls(folder: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(folder / "ca.pem"))
