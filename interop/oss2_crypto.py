"""Client-side encryption across SDKs: oss2's CryptoBucket reads what the Rust SDK's
CryptoBucket wrote, and writes objects for the Rust SDK to read.

Environment (set by crates/osskit-interop/tests/oss2_crypto.rs):
  OSS_ENDPOINT, OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET, OSS_REGION
  INTEROP_BUCKET     the bucket both sides use
  INTEROP_VECTORS    the directory of the reference keys (compact.*_key.pem)
  INTEROP_KEY_DIR    the LocalRsaProvider key directory both sides use
  INTEROP_KMS_KEY    a KMS key id of the server's local KMS
  INTEROP_FROM_RUST  a JSON file: key -> {"seed", "size", "provider"} written by the Rust SDK
  INTEROP_OUT        where this script writes the same kind of manifest for what it wrote

Providers are named alike on both sides: "rsa" (RsaProvider, compact pair), "rsa-desc:V"
(the same with mat_desc {"desc": V}), "local:NAME" (LocalRsaProvider of INTEROP_KEY_DIR),
"local-pass:NAME:PASS" (with a passphrase), "kms:PASS" (AliKMSProvider on the local KMS).

Prints one line per check and ends with "N passed, N failed"; exits 1 if anything failed.
"""
import json
import os
import sys
import tempfile
import traceback

import oss2
from oss2.models import MultipartUploadCryptoContext, PartInfo

ENDPOINT = os.environ["OSS_ENDPOINT"]
AK = os.environ["OSS_ACCESS_KEY_ID"]
SK = os.environ["OSS_ACCESS_KEY_SECRET"]
REGION = os.environ.get("OSS_REGION", "cn-hangzhou")
BUCKET = os.environ["INTEROP_BUCKET"]
VECTORS = os.environ["INTEROP_VECTORS"]
KEY_DIR = os.environ["INTEROP_KEY_DIR"]
KMS_KEY = os.environ["INTEROP_KMS_KEY"]
FROM_RUST = os.environ["INTEROP_FROM_RUST"]
OUT = os.environ["INTEROP_OUT"]

PASSED = 0
FAILED = 0


def pattern(seed, size):
    """Deterministic bytes shared with the Rust side: byte i = (i * 31 + seed) % 251."""
    return bytes(((i * 31 + seed) % 251) for i in range(size))


def check(name, fn):
    global PASSED, FAILED
    try:
        fn()
        PASSED += 1
        print("ok   " + name)
    except Exception:  # noqa: BLE001 - report every failure and continue
        FAILED += 1
        print("FAIL " + name)
        traceback.print_exc(file=sys.stdout)


def read(name):
    with open(os.path.join(VECTORS, name)) as f:
        return f.read()


def provider(spec):
    kind, _, rest = spec.partition(":")
    if kind == "rsa":
        return oss2.RsaProvider(key_pair={"public_key": read("compact.public_key.pem"),
                                          "private_key": read("compact.private_key.pem")})
    if kind == "rsa-desc":
        return oss2.RsaProvider(key_pair={"public_key": read("compact.public_key.pem"),
                                          "private_key": read("compact.private_key.pem")},
                                mat_desc={"desc": rest})
    if kind == "local":
        return oss2.LocalRsaProvider(dir=KEY_DIR, key=rest)
    if kind == "local-pass":
        name, _, passphrase = rest.partition(":")
        return oss2.LocalRsaProvider(dir=KEY_DIR, key=name, passphrase=passphrase)
    if kind == "kms":
        p = oss2.AliKMSProvider(AK, SK, REGION, KMS_KEY, passphrase=rest or None)
        # AliKMSProvider's client can be pointed at any endpoint: here the server's local KMS.
        p.kms_client.add_endpoint(REGION, "kms", ENDPOINT)
        return p
    raise ValueError(spec)


def crypto_bucket(spec):
    return oss2.CryptoBucket(oss2.Auth(AK, SK), ENDPOINT, BUCKET, crypto_provider=provider(spec))


def ranges(size):
    out = [(0, 0), (1, 1), (15, 16), (17, min(5000, size - 1)), (size - 10, size - 1), (size // 3, None)]
    return [(a, b) for (a, b) in out if a < size]


def check_rust_objects():
    with open(FROM_RUST) as f:
        objects = json.load(f)
    plain = oss2.Bucket(oss2.Auth(AK, SK), ENDPOINT, BUCKET)
    for key, spec in sorted(objects.items()):
        expected = pattern(spec["seed"], spec["size"])

        def whole(key=key, spec=spec, expected=expected):
            cb = crypto_bucket(spec["provider"])
            got = cb.get_object(key).read()
            assert got == expected, "%s: %d bytes differ" % (key, len(got))
            raw = plain.get_object(key).read()
            assert raw != expected and len(raw) == len(expected), "stored encrypted"
            with tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, "out")
                cb.get_object_to_file(key, path)
                with open(path, "rb") as f:
                    assert f.read() == expected

        def ranged(key=key, spec=spec, expected=expected):
            cb = crypto_bucket(spec["provider"])
            for (a, b) in ranges(len(expected)):
                got = cb.get_object(key, byte_range=(a, b)).read()
                want = expected[a:] if b is None else expected[a:b + 1]
                assert got == want, "%s range %r: %d bytes, want %d" % (key, (a, b), len(got), len(want))

        check("oss2 decrypts %s (%s)" % (key, spec["provider"]), whole)
        check("oss2 decrypts ranges of %s" % key, ranged)


WRITTEN = {}


def put(key, seed, size, spec):
    cb = crypto_bucket(spec)
    cb.put_object(key, pattern(seed, size))
    WRITTEN[key] = {"seed": seed, "size": size, "provider": spec}


def multipart(key, seed, size, spec, part_size):
    cb = crypto_bucket(spec)
    data = pattern(seed, size)
    ctx = MultipartUploadCryptoContext(size, part_size)
    upload_id = cb.init_multipart_upload(key, upload_context=ctx).upload_id
    parts = []
    for n, start in enumerate(range(0, size, part_size), 1):
        r = cb.upload_part(key, upload_id, n, data[start:start + part_size], upload_context=ctx)
        parts.append(PartInfo(n, r.etag, size=len(data[start:start + part_size]), part_crc=r.crc))
    cb.complete_multipart_upload(key, upload_id, parts)
    WRITTEN[key] = {"seed": seed, "size": size, "provider": spec}


def resumable(key, seed, size, spec):
    cb = crypto_bucket(spec)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "src")
        with open(path, "wb") as f:
            f.write(pattern(seed, size))
        oss2.resumable_upload(cb, key, path, multipart_threshold=200 * 1024, part_size=100 * 1024,
                              store=oss2.ResumableStore(root=d))
    WRITTEN[key] = {"seed": seed, "size": size, "provider": spec}


def write_objects():
    check("oss2 writes RsaProvider", lambda: put("oss2/rsa.bin", 41, 300 * 1024 + 3, "rsa"))
    check("oss2 writes RsaProvider with a material description",
          lambda: put("oss2/rsa-desc.bin", 42, 1000, "rsa-desc:v1"))
    check("oss2 writes LocalRsaProvider (keys made by oss2)",
          lambda: put("oss2/local.bin", 43, 70 * 1024 + 1, "local:oss2"))
    check("oss2 writes LocalRsaProvider with a passphrase",
          lambda: put("oss2/local-pass.bin", 44, 5000, "local-pass:oss2pass:secret"))
    check("oss2 writes an empty object", lambda: put("oss2/empty.bin", 45, 0, "rsa"))
    check("oss2 writes multipart RsaProvider with a material description",
          lambda: multipart("oss2/rsa-mp.bin", 46, 2 * 102400 + 999, "rsa-desc:mp", 102400))
    check("oss2 writes multipart LocalRsaProvider",
          lambda: multipart("oss2/local-mp.bin", 47, 3 * 102400, "local:oss2", 102400))
    check("oss2 writes with resumable_upload (multipart)",
          lambda: resumable("oss2/resumable.bin", 48, 5 * 100 * 1024 + 7, "local:oss2"))
    check("oss2 writes with AliKMSProvider on the local KMS",
          lambda: put("oss2/kms.bin", 49, 30000, "kms:pw"))


def main():
    check_rust_objects()
    write_objects()
    with open(OUT, "w") as f:
        json.dump(WRITTEN, f)
    print("%d passed, %d failed" % (PASSED, FAILED))
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
