"""Per-call cost of ``sdistill.cache_digest`` (and ``canonical_url``) from Python.

Reference: ``hashlib.sha256`` of the same key string (what the digest boils down
to once the URL is canonical), so the table shows what canonicalisation and the
call into the native module cost on top of the hashing itself. Every number is
the best of 5 ``timeit`` repeats, in microseconds per call.
"""

from __future__ import annotations

import hashlib
import sys
import timeit
from collections.abc import Callable, Sequence
from dataclasses import dataclass

PREFIX = b"sdistill-cache-key-v1\n"

URLS: dict[str, str] = {
    "plain file URL": (
        "https://files.pythonhosted.org/packages/25/ca/"
        "1166b75c21abd1da445b97bf1fa2f14f423c6cfb4fc7c4ef31dccf9f6a94/numpy-2.1.3.tar.gz"
    ),
    "messy (case, auth, port, %, fragment)": (
        "HTTPS://User:Pw@Files.Example.COM:443/a/%7euser/b/%2fx/pkg-1.0.tar.gz"
        "#sha256=aa08e04e08aaf974d4458def539dece0d28146d866a39da5639596f4921fd761"
        "&subdirectory=sub"
    ),
    "git+https with @rev": "git+https://GitHub.com/pypa/pip.git@24.3.1#egg=pip",
}


@dataclass
class DigestResult:
    label: str
    url: str
    digest_us: float
    canonical_us: float
    sha256_us: float
    consistent: bool  # cache_digest == sha256(prefix + canonical_url)[:32]


def per_call_us(func: Callable[[], object], repeat: int = 5) -> float:
    timer = timeit.Timer(func)
    number, _ = timer.autorange()
    number = max(number, 10_000)
    return min(timer.repeat(repeat=repeat, number=number)) / number * 1e6


def run(log: Callable[[str], None] = print) -> list[DigestResult]:
    import sdistill

    results = []
    for label, url in URLS.items():
        canonical = sdistill.canonical_url(url)
        key = PREFIX + canonical.encode()
        consistent = sdistill.cache_digest(url) == hashlib.sha256(key).hexdigest()[:32]
        result = DigestResult(
            label=label,
            url=url,
            digest_us=per_call_us(lambda url=url: sdistill.cache_digest(url)),
            canonical_us=per_call_us(lambda url=url: sdistill.canonical_url(url)),
            sha256_us=per_call_us(lambda key=key: hashlib.sha256(key).hexdigest()),
            consistent=consistent,
        )
        log(f"  digest  {label:40} {result.digest_us:8.3f} us/call")
        results.append(result)
    return results


def digest_markdown(results: Sequence[DigestResult]) -> list[str]:
    lines = [
        "### cache_digest per call (timeit, best of 5, microseconds)",
        "",
        "| URL | `cache_digest` | `canonical_url` | `hashlib.sha256` of the key | ratio | "
        "digest = sha256(prefix + canonical)[:32] |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        ratio = r.digest_us / r.sha256_us if r.sha256_us > 0 else float("nan")
        lines.append(
            f"| {r.label} | {r.digest_us:.3f} | {r.canonical_us:.3f} | {r.sha256_us:.3f} "
            f"| {ratio:.1f}x | {'yes' if r.consistent else '**no**'} |"
        )
    lines += [
        "",
        "ratio = cache_digest time / hashlib.sha256 time (the reference does no "
        "canonicalisation and no call into the native module).",
        "",
    ]
    return lines


def main() -> int:
    print("\n".join(digest_markdown(run())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
