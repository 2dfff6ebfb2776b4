"""Cache keys: ``canonical_url`` and ``cache_digest``.

The contract: lower-case scheme and host; credentials removed; default ports dropped
(80 http/git+http, 443 https/git+https, 21 ftp); every trailing "/" of the path
removed; percent-escapes normalised (unreserved decoded, others upper-case hex, what
needs escaping escaped); for git URLs a ".git" suffix of the repository path removed
(also before "@rev"); of the fragment only "subdirectory=<v>" survives; query kept.

    digest = sha256(b"sdistill-cache-key-v1\\n" + canonical.encode()).hexdigest()[:32]
"""

from __future__ import annotations

import hashlib
import re
import string
from urllib.parse import quote, urlsplit

import pytest
import sdistill
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sdistill import InvalidSourceError, SdistillError, cache_digest, canonical_url

HEX32 = re.compile(r"[0-9a-f]{32}")


def expected_digest(canonical: str) -> str:
    data = b"sdistill-cache-key-v1\n" + canonical.encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:32]


# (input, canonical form)
VECTORS: list[tuple[str, str]] = [
    # --- the contract's own examples
    (
        "HTTPS://User:Pw@Files.Example.COM:443/a/b/pkg-1.0.tar.gz#sha256=ab&subdirectory=sub",
        "https://files.example.com/a/b/pkg-1.0.tar.gz#subdirectory=sub",
    ),
    ("https://example.com/simple/", "https://example.com/simple"),
    ("https://example.com/%7euser/%2fx", "https://example.com/~user/%2Fx"),
    ("git+https://GitHub.com/pypa/pip.git", "git+https://github.com/pypa/pip"),
    # --- scheme and host case (the path keeps its case)
    ("HTTP://EXAMPLE.COM/Path/To/Pkg.tar.gz", "http://example.com/Path/To/Pkg.tar.gz"),
    ("HtTpS://ExAmPlE.cOm", "https://example.com"),
    ("FTP://Mirror.Example.ORG/pub/x.zip", "ftp://mirror.example.org/pub/x.zip"),
    ("GIT+HTTPS://Example.COM/Org/Repo", "git+https://example.com/Org/Repo"),
    # --- credentials
    ("https://user@example.com/x", "https://example.com/x"),
    ("https://user:secret@example.com/x", "https://example.com/x"),
    ("https://:secret@example.com/x", "https://example.com/x"),
    ("https://us%40er:p%3Ass@example.com/x", "https://example.com/x"),
    ("git+ssh://git@github.com/o/r.git", "git+ssh://github.com/o/r"),
    ("git+https://token:x-oauth@github.com/o/r", "git+https://github.com/o/r"),
    # --- default ports dropped, others kept
    ("http://example.com:80/x", "http://example.com/x"),
    ("https://example.com:443/x", "https://example.com/x"),
    ("https://example.com:443", "https://example.com"),
    ("ftp://example.com:21/pub/x.tar.gz", "ftp://example.com/pub/x.tar.gz"),
    ("git+http://example.com:80/o/r", "git+http://example.com/o/r"),
    ("git+https://example.com:443/o/r", "git+https://example.com/o/r"),
    ("http://example.com:8080/x", "http://example.com:8080/x"),
    ("https://example.com:80/x", "https://example.com:80/x"),
    ("http://example.com:443/x", "http://example.com:443/x"),
    ("git+https://example.com:8443/o/r", "git+https://example.com:8443/o/r"),
    ("http://[::1]:80/x", "http://[::1]/x"),
    # --- trailing slashes
    ("https://example.com/", "https://example.com"),
    ("https://example.com", "https://example.com"),
    ("https://example.com/a/b/", "https://example.com/a/b"),
    ("https://example.com/a//", "https://example.com/a"),
    ("https://example.com///", "https://example.com"),
    ("https://example.com/simple/?format=json", "https://example.com/simple?format=json"),
    ("git+https://example.com/o/r/", "git+https://example.com/o/r"),
    # --- percent-encoding
    ("https://example.com/%41%62c", "https://example.com/Abc"),
    ("https://example.com/a%2db%5fc%2ed%7e", "https://example.com/a-b_c.d~"),
    ("https://example.com/%30%39", "https://example.com/09"),
    ("https://example.com/a%3ab", "https://example.com/a%3Ab"),
    ("https://example.com/a%3Ab", "https://example.com/a%3Ab"),
    ("https://example.com/a%2fb%2Fc", "https://example.com/a%2Fb%2Fc"),
    ("https://example.com/100%25", "https://example.com/100%25"),
    ("https://example.com/a%20b", "https://example.com/a%20b"),
    ("https://example.com/a b", "https://example.com/a%20b"),
    ("https://example.com/caf\u00e9", "https://example.com/caf%C3%A9"),
    ("https://example.com/caf%c3%a9", "https://example.com/caf%C3%A9"),
    # --- git: ".git" suffix of the repository path
    ("git+https://github.com/o/r.git@v1", "git+https://github.com/o/r@v1"),
    ("git+https://github.com/o/r.git@v1.0", "git+https://github.com/o/r@v1.0"),
    ("git+https://github.com/o/r.git/", "git+https://github.com/o/r"),
    ("git+http://example.com/o/r.git", "git+http://example.com/o/r"),
    ("git://example.com/o/r.git", "git://example.com/o/r"),
    ("git+file:///srv/repos/r.git", "git+file:///srv/repos/r"),
    ("git+https://example.com/o/r.github", "git+https://example.com/o/r.github"),
    ("git+https://example.com/o.git/r", "git+https://example.com/o.git/r"),
    # ... but not for URLs that are not git URLs
    ("https://example.com/o/r.git", "https://example.com/o/r.git"),
    ("https://example.com/o/r.git@v1", "https://example.com/o/r.git@v1"),
    # --- fragment: only subdirectory survives
    ("https://example.com/pkg.tar.gz#egg=foo", "https://example.com/pkg.tar.gz"),
    ("https://example.com/pkg.tar.gz#sha256=abcdef", "https://example.com/pkg.tar.gz"),
    ("https://example.com/pkg.tar.gz#", "https://example.com/pkg.tar.gz"),
    (
        "https://example.com/pkg.tar.gz#subdirectory=sub&egg=foo",
        "https://example.com/pkg.tar.gz#subdirectory=sub",
    ),
    (
        "https://example.com/pkg.zip#md5=0123&subdirectory=src/pkg&egg=x",
        "https://example.com/pkg.zip#subdirectory=src/pkg",
    ),
    (
        "git+https://github.com/o/r.git@v1#egg=r&subdirectory=pkg",
        "git+https://github.com/o/r@v1#subdirectory=pkg",
    ),
    ("git+https://github.com/o/r.git#egg=r", "git+https://github.com/o/r"),
    # --- query kept
    ("https://example.com/x?b=1&a=2", "https://example.com/x?b=1&a=2"),
    ("https://example.com/x?a=1#egg=foo", "https://example.com/x?a=1"),
    ("https://example.com/x?a=1#subdirectory=s", "https://example.com/x?a=1#subdirectory=s"),
]


@pytest.mark.parametrize(("url", "canonical"), VECTORS)
def test_vector(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical
    digest = cache_digest(url)
    assert digest == expected_digest(canonical)
    assert HEX32.fullmatch(digest)


@pytest.mark.parametrize(("url", "canonical"), VECTORS)
def test_vector_is_fixed_point(url: str, canonical: str) -> None:
    assert canonical_url(canonical) == canonical
    assert cache_digest(canonical) == cache_digest(url)


def test_enough_vectors() -> None:
    assert len(VECTORS) >= 20


def test_exported_from_package() -> None:
    assert sdistill.canonical_url is canonical_url
    assert sdistill.cache_digest is cache_digest


def test_digest_formula_literal() -> None:
    # An independent spelling of the formula, for the contract's first example.
    canonical = "https://files.example.com/a/b/pkg-1.0.tar.gz#subdirectory=sub"
    want = hashlib.sha256(("sdistill-cache-key-v1\n" + canonical).encode()).hexdigest()[:32]
    assert cache_digest(canonical) == want


def test_different_sources_different_digests() -> None:
    urls = [
        "https://example.com/a",
        "https://example.com/b",
        "https://example.com/a?x=1",
        "https://example.com/a#subdirectory=s",
        "https://example.com:8443/a",
        "http://example.com/a",
        "git+https://example.com/a",
        "https://example.com/A",
        "https://example.com/a%2Fb",
        "https://example.com/a/b",
    ]
    digests = {cache_digest(u) for u in urls}
    assert len(digests) == len(urls)


INVALID = [
    "",
    " ",
    "not a url",
    "example.com/pkg.tar.gz",
    "/srv/pkg.tar.gz",
    "./pkg.tar.gz",
    "https://",
    "http://exa mple.com/",
    "https://example.com:99999/",
    "https://example.com:port/",
    "http://[::1/x",
    "://example.com/x",
]


@pytest.mark.parametrize("url", INVALID)
def test_invalid_url(url: str) -> None:
    with pytest.raises(InvalidSourceError):
        canonical_url(url)
    with pytest.raises(InvalidSourceError):
        cache_digest(url)


def test_invalid_source_error_is_value_error() -> None:
    assert issubclass(InvalidSourceError, ValueError)
    assert issubclass(InvalidSourceError, SdistillError)
    with pytest.raises(ValueError, match=r".+"):
        canonical_url("not a url")


# Edge cases where a naive one-pass implementation is not idempotent: decoding an
# escape that makes a dot segment, stripping ".git" that leaves a trailing slash or
# another ".git", and so on. Whatever the result, canonicalising it again must not
# change it.
IDEMPOTENCE_EDGES = [
    "https://example.com/a/%2E",
    "https://example.com/a/%2e%2E/b",
    "https://example.com/%2e%2e",
    "https://example.com/a/%2E/",
    "https://example.com/a/b/./",
    "https://example.com//",
    "https://example.com/a%2F",
    "https://example.com/a%2F/",
    "https://example.com/x?q=%7e",
    "https://example.com/x?q=a b",
    "https://example.com/x#subdirectory=a%20b",
    "https://example.com/x#subdirectory=",
    "https://example.com/x#subdirectory=a&subdirectory=b",
    "git+https://example.com/o/r.git.git",
    "git+https://example.com/o/.git",
    "git+https://example.com/.git",
    "git+https://example.com/o/r.git/",
    "git+https://example.com/o/r.git//",
    "git+https://example.com/o/r%2Egit",
    "git+https://example.com/o/r%2egit@v1",
    "git+https://example.com/o/r.git@v1.git",
    "git+https://example.com/o/r.git@",
    "git+https://example.com/o/.git@v1",
    "git+https://example.com/o/r.git/@v1",
    "git+https://example.com/o/r@v1/",
    "git+https://example.com/o/.git?x=1",
    "git://example.com/o/r.git.git?q",
    "https://example.com/%f%41",
    "https://example.com/a%%32%30",
    "https://example.com/a%",
    "https://example.com/a%zz",
]


def test_decoding_does_not_make_new_escapes() -> None:
    # A stray "%" followed by an escape of a hex digit must not turn into a new
    # escape: these are different sources and must have different keys.
    assert cache_digest("https://example.com/x/%%41%42") != cache_digest(
        "https://example.com/x/%AB"
    )
    assert cache_digest("https://example.com/x/%%32%30") != cache_digest(
        "https://example.com/x/%20"
    )


@pytest.mark.parametrize("url", IDEMPOTENCE_EDGES)
def test_idempotent_edge_cases(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once
    assert cache_digest(once) == cache_digest(url)


# --------------------------------------------------------------------------- hypothesis

UNRESERVED = string.ascii_letters + string.digits + "-._~"
# Escapes that must stay escaped (their canonical spelling is upper-case hex).
KEPT_ESCAPES = ["%2F", "%3A", "%40", "%25", "%3F", "%23", "%20", "%2B", "%C3%A9", "%5B"]
DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21, "git+http": 80, "git+https": 443}
SCHEMES = ["http", "https", "ftp", "git+http", "git+https", "git+ssh", "git"]

label = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from(string.ascii_lowercase),
    st.text(alphabet=string.ascii_lowercase + string.digits, max_size=8),
)
hosts = st.lists(label, min_size=1, max_size=3).map(".".join)

# A path token is one unreserved character or one escape that stays escaped.
token = st.one_of(
    st.sampled_from(UNRESERVED),
    st.sampled_from(UNRESERVED),
    st.sampled_from(KEPT_ESCAPES),
)
segment = st.lists(token, min_size=1, max_size=8).filter(lambda t: "".join(t) not in (".", ".."))
query = st.text(alphabet=string.ascii_lowercase + string.digits + "=&", min_size=1, max_size=10)
subdir = st.text(alphabet=string.ascii_lowercase + string.digits + "_-", min_size=1, max_size=8)


def is_git(scheme: str) -> bool:
    return scheme == "git" or scheme.startswith("git+")


def random_case(draw: st.DrawFn, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.upper() if f else c.lower() for c, f in zip(text, flips))


def escape_char(c: str, upper: bool) -> str:
    out = "".join(f"%{b:02X}" for b in c.encode())
    return out if upper else out.lower()


def messy_netloc(draw: st.DrawFn, scheme: str, host: str, port: int | None) -> str:
    netloc = random_case(draw, host)
    if draw(st.booleans()):
        user = draw(st.text(alphabet=string.ascii_letters + string.digits, min_size=1))
        password = draw(st.one_of(st.none(), st.text(alphabet=string.ascii_letters, max_size=6)))
        creds = user if password is None else f"{user}:{password}"
        netloc = f"{creds}@{netloc}"
    if port is not None:
        netloc += f":{port}"
    elif scheme in DEFAULT_PORTS and draw(st.booleans()):
        netloc += f":{DEFAULT_PORTS[scheme]}"
    return netloc


def messy_segment(draw: st.DrawFn, seg: list[str]) -> str:
    parts = []
    for tok in seg:
        if tok.startswith("%"):
            parts.append(random_case(draw, tok))
        elif draw(st.integers(0, 3)) == 0:
            parts.append(escape_char(tok, draw(st.booleans())))
        else:
            parts.append(tok)
    return "".join(parts)


def messy_fragment(draw: st.DrawFn, sub: str | None) -> str:
    junk = ["egg=pkg", "sha256=" + "ab" * 32, "md5=00ff", "x=y"]
    fragment = draw(st.lists(st.sampled_from(junk), max_size=3))
    if sub is not None:
        fragment.insert(draw(st.integers(0, len(fragment))), "subdirectory=" + sub)
    if fragment or draw(st.booleans()):
        return "#" + "&".join(fragment)
    return ""


@st.composite
def source_pairs(draw: st.DrawFn) -> tuple[str, str]:
    """(a messy URL, the canonical form it must turn into)."""
    scheme = draw(st.sampled_from(SCHEMES))
    git = is_git(scheme)
    host = draw(hosts)
    port = draw(st.one_of(st.none(), st.integers(1024, 65535)))
    segments = draw(st.lists(segment, min_size=1 if git else 0, max_size=4))
    if git and "".join(segments[-1]).lower().endswith(".git"):
        segments[-1] = [*segments[-1], "x"]
    rev = draw(st.one_of(st.none(), label)) if git else None
    q = draw(st.one_of(st.none(), query))
    sub = draw(st.one_of(st.none(), subdir))

    # --- the canonical form
    netloc = host if port is None else f"{host}:{port}"
    path = "".join("/" + "".join(seg) for seg in segments)
    if rev is not None:
        path += "@" + rev
    canonical = f"{scheme}://{netloc}{path}"
    canonical += "" if q is None else "?" + q
    canonical += "" if sub is None else "#subdirectory=" + sub

    # --- a messy spelling of the same source
    m_path = "".join("/" + messy_segment(draw, seg) for seg in segments)
    if git and draw(st.booleans()):
        m_path += ".git"
    if rev is not None:
        m_path += "@" + rev
    elif draw(st.booleans()):
        m_path += "/" * draw(st.integers(1, 3))
    messy = f"{random_case(draw, scheme)}://{messy_netloc(draw, scheme, host, port)}{m_path}"
    messy += "" if q is None else "?" + q
    messy += messy_fragment(draw, sub)
    return messy, canonical


PROPS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(source_pairs())
def test_normalisations_give_equal_digests(pair: tuple[str, str]) -> None:
    messy, canonical = pair
    assert canonical_url(messy) == canonical
    assert canonical_url(canonical) == canonical
    assert cache_digest(messy) == cache_digest(canonical) == expected_digest(canonical)


@PROPS
@given(source_pairs())
def test_idempotent_structured(pair: tuple[str, str]) -> None:
    messy, _ = pair
    once = canonical_url(messy)
    assert canonical_url(once) == once


@PROPS
@given(
    st.sampled_from(["http://", "https://", "HTTPS://", "ftp://", "git+https://", "git://"]),
    hosts,
    st.text(
        alphabet=st.characters(
            min_codepoint=0x20, max_codepoint=0x2FF, blacklist_categories=("Cs",)
        ),
        max_size=40,
    ),
)
def test_idempotent_arbitrary_text(prefix: str, host: str, rest: str) -> None:
    url = prefix + host + "/" + rest
    try:
        once = canonical_url(url)
    except InvalidSourceError:
        return
    assert canonical_url(once) == once
    assert cache_digest(url) == cache_digest(once) == expected_digest(once)


SOUP = [*"ab.-/@%:?#~ eEfF2", "%2e", "%2E", "%41", "%7e", "%2F", "%25", ".git", ".GIT", "//"]


@PROPS
@given(
    st.sampled_from(["https://", "git+https://", "git://", "GIT+HTTP://"]),
    st.lists(st.sampled_from(SOUP), max_size=14).map("".join),
)
def test_idempotent_escape_and_git_soup(prefix: str, rest: str) -> None:
    # Paths made of the pieces the rules act on: escapes, dots, ".git", "@", slashes.
    url = prefix + "example.com/" + rest
    try:
        once = canonical_url(url)
    except InvalidSourceError:
        return
    assert canonical_url(once) == once


@PROPS
@given(st.text(max_size=60))
def test_arbitrary_text_valid_or_invalid_source(text: str) -> None:
    # Anything either canonicalises idempotently or is refused with InvalidSourceError.
    try:
        once = canonical_url(text)
    except InvalidSourceError:
        with pytest.raises(InvalidSourceError):
            cache_digest(text)
        return
    assert canonical_url(once) == once
    assert HEX32.fullmatch(cache_digest(text))


@PROPS
@given(
    st.sampled_from(["http", "https", "ftp", "git+https", "git+ssh", "git"]),
    st.text(),
    st.one_of(st.none(), st.text()),
    hosts,
    st.lists(st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1), max_size=3),
)
def test_credentials_never_survive(
    scheme: str, user: str, password: str | None, host: str, path: list[str]
) -> None:
    user = "QQUSERMARK" + user
    userinfo = quote(user, safe="")
    if password is not None:
        userinfo += ":" + quote("QQPASSMARK" + password, safe="")
    url = f"{scheme}://{userinfo}@{host}/" + "/".join(path)
    result = canonical_url(url)
    assert "QQUSERMARK" not in result.upper()
    assert "QQPASSMARK" not in result.upper()
    assert "@" not in urlsplit(result).netloc
    assert result == canonical_url(f"{scheme}://{host}/" + "/".join(path))


@PROPS
@given(st.one_of(source_pairs().map(lambda p: p[0]), st.text(max_size=40)))
def test_digest_is_32_lowercase_hex(url: str) -> None:
    try:
        digest = cache_digest(url)
    except InvalidSourceError:
        return
    assert HEX32.fullmatch(digest)
    assert digest == expected_digest(canonical_url(url))


@PROPS
@given(st.text(alphabet=string.ascii_letters + string.digits + " /.-_?#%=&", max_size=30))
def test_scheme_less_text_raises_invalid_source(text: str) -> None:
    # Without a ":" there is no scheme, so this is never an absolute URL.
    with pytest.raises(InvalidSourceError):
        canonical_url(text)
    with pytest.raises(InvalidSourceError):
        cache_digest(text)
