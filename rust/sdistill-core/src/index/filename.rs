//! What a distribution's filename says: project, version, and whether it is a wheel (with
//! its tags) or an sdist (with its archive format).
//!
//! A file is always read for a known project — the one whose index page lists it — and
//! a file of any other project is not one of its files ([`parse`] gives `None`).
//!
//! **Wheels** have a fixed structure (the binary distribution format, as
//! `packaging.utils.parse_wheel_filename` reads it):
//! `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`, so exactly 4 or 5 `-`.
//! The name is letters, digits, `_` and `.`, without `__`; the version any text PEP 440
//! accepts; the build tag starts with a digit (`1`, `2b`), read as a number and the rest;
//! each tag field is a `.`-separated set with no empty member (`py2.py3`), lower-cased
//! as `packaging.tags.Tag` does, and every python tag is an identifier.
//!
//! **Sdists** are `{name}-{version}.{ext}` for the archive formats of [`SdistFormat`]. A
//! version may contain `-` (`1.0-1` is `1.0.post1`) and so may a name, so the file
//! cannot be split on a fixed `-`. The project decides: the split is at the first `-`
//! such that the text before it normalizes ([`normalize_name`]) to the project's
//! normalized name and the text after it is a version. So legacy spellings are found
//! (`zope.interface-5.0.tar.gz`, `Zope_Interface-5.0.zip`, `zope-interface-5.0.tgz`), as
//! pip and uv find them, where `packaging.utils.parse_sdist_filename` knows only
//! `.tar.gz` and `.zip` and splits at the last `-`. The two agree on every standard
//! sdist name (normalized version, so no `-` after the name).
//!
//! Deviations from `packaging`, none of which can matter for a project name PEP 508
//! allows (ASCII): a wheel name's letters and digits are Rust's Unicode classes rather
//! than Python's `\w`, and a python tag must be an ASCII identifier, where Python allows
//! any Unicode identifier. A build number of more than
//! [`MAX_DIGITS`](super::pep440::MAX_DIGITS) digits is refused (packaging fails on it
//! with a `ValueError` too).
//!
//! The search for the split is linear in the filename's length: the name is normalized
//! piece by piece between `-`s, and the search stops as soon as it is longer than the
//! project's name.

use super::pep440::{Number, Version};

/// The PEP 503 normalized form of a project name: lower-case, every run of `-`, `_`
/// and `.` replaced by one `-` (`Zope.Interface` → `zope-interface`).
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    push_normalized(&mut out, name);
    out
}

/// Appends the normalized form of `piece` to `out`, itself normalized: a run of
/// separators that began in `out` continues.
fn push_normalized(out: &mut String, piece: &str) {
    let lower;
    let piece = if piece.bytes().any(|b| b.is_ascii_uppercase()) || !piece.is_ascii() {
        lower = piece.to_lowercase();
        lower.as_str()
    } else {
        piece
    };
    for c in piece.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c);
        }
    }
}

/// A distribution file of a project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DistFilename {
    Wheel(WheelFilename),
    Sdist(SdistFilename),
}

impl DistFilename {
    /// The normalized project name.
    pub fn name(&self) -> &str {
        match self {
            DistFilename::Wheel(wheel) => &wheel.name,
            DistFilename::Sdist(sdist) => &sdist.name,
        }
    }

    pub fn version(&self) -> &Version {
        match self {
            DistFilename::Wheel(wheel) => &wheel.version,
            DistFilename::Sdist(sdist) => &sdist.version,
        }
    }
}

/// `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WheelFilename {
    /// Normalized.
    pub name: String,
    pub version: Version,
    pub build_tag: Option<BuildTag>,
    /// Lower-cased, in the filename's order (`py2.py3` → `["py2", "py3"]`).
    pub python_tags: Vec<String>,
    pub abi_tags: Vec<String>,
    pub platform_tags: Vec<String>,
}

/// A wheel's build tag: its leading number and the rest (`2b` → 2, `"b"`), ordered as
/// the pair.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BuildTag {
    pub number: Number,
    pub suffix: String,
}

/// `{name}-{version}.{ext}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SdistFilename {
    /// Normalized.
    pub name: String,
    pub version: Version,
    pub format: SdistFormat,
}

/// The archive format of an sdist, as its extension says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SdistFormat {
    TarGz,
    Tgz,
    Zip,
    TarBz2,
    Tbz,
    TarXz,
    Txz,
    TarLz,
    Tlz,
    TarLzma,
    Tar,
    TarZst,
}

impl SdistFormat {
    pub const ALL: [SdistFormat; 12] = [
        SdistFormat::TarGz,
        SdistFormat::Tgz,
        SdistFormat::Zip,
        SdistFormat::TarBz2,
        SdistFormat::Tbz,
        SdistFormat::TarXz,
        SdistFormat::Txz,
        SdistFormat::TarLz,
        SdistFormat::Tlz,
        SdistFormat::TarLzma,
        SdistFormat::Tar,
        SdistFormat::TarZst,
    ];

    /// The extension without its leading dot (`tar.gz`).
    pub fn extension(self) -> &'static str {
        match self {
            SdistFormat::TarGz => "tar.gz",
            SdistFormat::Tgz => "tgz",
            SdistFormat::Zip => "zip",
            SdistFormat::TarBz2 => "tar.bz2",
            SdistFormat::Tbz => "tbz",
            SdistFormat::TarXz => "tar.xz",
            SdistFormat::Txz => "txz",
            SdistFormat::TarLz => "tar.lz",
            SdistFormat::Tlz => "tlz",
            SdistFormat::TarLzma => "tar.lzma",
            SdistFormat::Tar => "tar",
            SdistFormat::TarZst => "tar.zst",
        }
    }

    /// The filename without its extension, and the format (extensions are
    /// case-sensitive, as in `packaging`). No extension is a suffix of another.
    fn split(filename: &str) -> Option<(&str, SdistFormat)> {
        SdistFormat::ALL.into_iter().find_map(|format| {
            let stem = filename.strip_suffix(format.extension())?;
            Some((stem.strip_suffix('.')?, format))
        })
    }
}

/// What `filename` says, if it is a wheel or an sdist of `project` (any spelling of the
/// project's name) with a valid version.
pub fn parse(filename: &str, project: &str) -> Option<DistFilename> {
    let project = normalize_name(project);
    if project.is_empty() {
        return None;
    }
    if let Some(stem) = filename.strip_suffix(".whl") {
        return parse_wheel(stem, &project).map(DistFilename::Wheel);
    }
    let (stem, format) = SdistFormat::split(filename)?;
    let (name, version) = split_sdist(stem, &project)?;
    Some(DistFilename::Sdist(SdistFilename {
        name,
        version,
        format,
    }))
}

fn parse_wheel(stem: &str, project: &str) -> Option<WheelFilename> {
    let dashes = stem.matches('-').count();
    if dashes != 4 && dashes != 5 {
        return None;
    }
    let mut parts = stem.splitn(dashes - 1, '-');
    let name = parts.next()?;
    let version = parts.next()?;
    let build = if dashes == 5 { parts.next() } else { None };
    let tags = parts.next()?;

    let name_ok = !name.is_empty()
        && !name.contains("__")
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.');
    if !name_ok {
        return None;
    }
    let name = normalize_name(name);
    if name != project {
        return None;
    }
    let version = Version::parse(version).ok()?;
    let build_tag = match build {
        Some(build) => {
            let digits = build.bytes().take_while(u8::is_ascii_digit).count();
            Some(BuildTag {
                number: Number::from_digits(&build[..digits])?,
                suffix: build[digits..].to_owned(),
            })
        }
        None => None,
    };

    let mut fields = tags.split('-');
    let (python, abi, platform) = (fields.next()?, fields.next()?, fields.next()?);
    let python_tags = tag_set(python)?;
    if !python_tags.iter().all(|tag| is_identifier(tag)) {
        return None;
    }
    Some(WheelFilename {
        name,
        version,
        build_tag,
        python_tags,
        abi_tags: tag_set(abi)?,
        platform_tags: tag_set(platform)?,
    })
}

/// A `.`-separated tag set, lower-cased; `None` if a member is empty.
fn tag_set(field: &str) -> Option<Vec<String>> {
    field
        .split('.')
        .map(|tag| (!tag.is_empty()).then(|| tag.to_lowercase()))
        .collect()
}

fn is_identifier(text: &str) -> bool {
    let mut bytes = text.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The normalized name and the version of an sdist's `stem`, split at the first `-`
/// where the name is `project`'s and the rest a version.
fn split_sdist(stem: &str, project: &str) -> Option<(String, Version)> {
    let mut name = String::with_capacity(project.len());
    let mut done = 0;
    for (dash, _) in stem.match_indices('-') {
        // Pieces end before a `-`, which is neither cased nor case-ignorable, so
        // lower-casing piece by piece is lower-casing the whole (final sigma included).
        push_normalized(&mut name, &stem[done..dash]);
        done = dash;
        if name.len() > project.len() {
            return None;
        }
        if name == project {
            if let Ok(version) = Version::parse(&stem[dash + 1..]) {
                return Some((name, version));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn wheel(filename: &str, project: &str) -> WheelFilename {
        match parse(filename, project) {
            Some(DistFilename::Wheel(wheel)) => wheel,
            other => panic!("{filename}: {other:?}"),
        }
    }

    fn sdist(filename: &str, project: &str) -> (String, String, &'static str) {
        match parse(filename, project) {
            Some(DistFilename::Sdist(sdist)) => (
                sdist.name,
                sdist.version.to_string(),
                sdist.format.extension(),
            ),
            other => panic!("{filename}: {other:?}"),
        }
    }

    fn strings(tags: &[&str]) -> Vec<String> {
        tags.iter().map(|tag| (*tag).to_owned()).collect()
    }

    #[test]
    fn names_are_normalized() {
        assert_eq!(normalize_name("Zope.Interface"), "zope-interface");
        assert_eq!(normalize_name("backports.zoneinfo"), "backports-zoneinfo");
        assert_eq!(normalize_name("A__b-._C"), "a-b-c");
        assert_eq!(normalize_name("_leading"), "-leading");
        assert_eq!(normalize_name("requests"), "requests");
        assert_eq!(normalize_name("\u{212a}ELVIN"), "kelvin");
        assert_eq!(normalize_name(""), "");
    }

    #[test]
    fn real_wheels() {
        let numpy = wheel(
            "numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "numpy",
        );
        assert_eq!(numpy.name, "numpy");
        assert_eq!(numpy.version.to_string(), "1.26.4");
        assert_eq!(numpy.build_tag, None);
        assert_eq!(numpy.python_tags, strings(&["cp312"]));
        assert_eq!(numpy.abi_tags, strings(&["cp312"]));
        assert_eq!(
            numpy.platform_tags,
            strings(&["manylinux_2_17_x86_64", "manylinux2014_x86_64"])
        );

        let boto3 = wheel("boto3-1.34.0-py3-none-any.whl", "Boto3");
        assert_eq!(
            (boto3.name.as_str(), boto3.abi_tags),
            ("boto3", strings(&["none"]))
        );

        let zope = wheel(
            "zope.interface-6.1-cp311-cp311-macosx_11_0_arm64.whl",
            "zope-interface",
        );
        assert_eq!(zope.name, "zope-interface");

        let backports = wheel(
            "backports.zoneinfo-0.2.1-cp38-cp38-win_amd64.whl",
            "backports_zoneinfo",
        );
        assert_eq!(backports.version.to_string(), "0.2.1");

        let six = wheel("six-1.16.0-py2.py3-none-any.whl", "six");
        assert_eq!(six.python_tags, strings(&["py2", "py3"]));

        let legacy = wheel("Django-1.11.29-PY2.py3-NONE-Any.whl", "django");
        assert_eq!(legacy.python_tags, strings(&["py2", "py3"]));
        assert_eq!(legacy.platform_tags, strings(&["any"]));
    }

    #[test]
    fn wheels_with_build_tags() {
        let built = wheel(
            "tensorflow_io_gcs_filesystem-0.23.1-1-cp310-cp310-win_amd64.whl",
            "tensorflow-io-gcs-filesystem",
        );
        assert_eq!(
            built.build_tag,
            Some(BuildTag {
                number: 1.into(),
                suffix: String::new()
            })
        );
        let suffixed = wheel("pkg-1.0-20b_x-py3-none-any.whl", "pkg");
        assert_eq!(
            suffixed.build_tag,
            Some(BuildTag {
                number: 20.into(),
                suffix: "b_x".to_owned()
            })
        );
        let big = wheel("pkg-1.0-99999999999999999999999-py3-none-any.whl", "pkg");
        assert_eq!(
            big.build_tag.map(|tag| tag.number.to_string()),
            Some("99999999999999999999999".to_owned())
        );
        assert!(
            BuildTag {
                number: 2.into(),
                suffix: String::new()
            } < BuildTag {
                number: 10.into(),
                suffix: String::new()
            }
        );
        // A build tag must start with a digit.
        assert_eq!(parse("pkg-1.0-b1-py3-none-any.whl", "pkg"), None);
    }

    #[test]
    fn bad_wheels_are_not_files_of_the_project() {
        for filename in [
            "pkg-1.0-py3-none-any.WHL",
            "pkg-1.0-py3-none.whl",
            "pkg-1.0-1-2-py3-none-any.whl",
            "pkg-1.0-py3--any.whl",
            "pkg-1.0-py3.-none-any.whl",
            "pkg-1.0-3py-none-any.whl",
            "pkg-1.0-py+3-none-any.whl",
            "pkg-one-py3-none-any.whl",
            "pkg_-1.0-py3-none-any.whl",
            "p__kg-1.0-py3-none-any.whl",
            "pk+g-1.0-py3-none-any.whl",
            "-1.0-py3-none-any.whl",
            "other-1.0-py3-none-any.whl",
            "pkg-1.0--py3-none-any.whl",
        ] {
            assert_eq!(parse(filename, "pkg"), None, "{filename}");
        }
    }

    #[test]
    fn real_sdists() {
        assert_eq!(
            sdist("numpy-1.26.4.tar.gz", "numpy"),
            ("numpy".to_owned(), "1.26.4".to_owned(), "tar.gz")
        );
        for filename in [
            "zope.interface-5.0.tar.gz",
            "zope-interface-5.0.tar.gz",
            "zope_interface-5.0.tar.gz",
            "Zope.Interface-5.0.tar.gz",
        ] {
            for project in ["zope.interface", "zope-interface", "Zope_Interface"] {
                assert_eq!(
                    sdist(filename, project),
                    ("zope-interface".to_owned(), "5.0".to_owned(), "tar.gz")
                );
            }
        }
        assert_eq!(
            sdist("backports.zoneinfo-0.2.1.tar.gz", "backports-zoneinfo").1,
            "0.2.1"
        );
        assert_eq!(sdist("Django-1.0.zip", "django").2, "zip");
        assert_eq!(sdist("boto3-1.34.0.tar.gz", "boto3").1, "1.34.0");
        // Versions with `-`: `-1` is a post-release, `-rc1` a pre-release.
        assert_eq!(sdist("foo-bar-1.0-1.tgz", "foo-bar").1, "1.0.post1");
        assert_eq!(sdist("foo-1.0-rc1.tar.bz2", "foo").1, "1.0rc1");
        assert_eq!(sdist("pytz-2016.10.tar.bz2", "pytz").1, "2016.10");
        // Old pytz versions: `2005a` reads as an alpha, `2004d` is no version at all.
        assert_eq!(sdist("pytz-2005a.tar.bz2", "pytz").1, "2005a0");
        for format in SdistFormat::ALL {
            let name = format!("pkg-2.0.{}", format.extension());
            assert_eq!(sdist(&name, "pkg").2, format.extension());
        }
    }

    #[test]
    fn other_files_are_not_sdists_of_the_project() {
        for (filename, project) in [
            ("pytz-2004d.tar.bz2", "pytz"),
            ("foo-bar-1.0.tar.gz", "foo"),
            ("foo-1.0.tar.gz", "foo-bar"),
            ("foobar-1.0.tar.gz", "foo"),
            ("foo-1.0-py2.7.egg", "foo"),
            ("foo-1.0.win32.exe", "foo"),
            ("foo-1.0.win32.zip", "foo"),
            ("foo-1.0.amd64.msi", "foo"),
            ("foo-1.0-1.noarch.rpm", "foo"),
            ("foo-1.0.TAR.GZ", "foo"),
            ("foo-1.0.tar.gz.asc", "foo"),
            ("foo.tar.gz", "foo"),
            ("foo-.tar.gz", "foo"),
            ("-1.0.tar.gz", "foo"),
            ("foo-1.0.tar.gz", ""),
            ("foo-1.0..tar.gz", "foo"),
        ] {
            assert_eq!(parse(filename, project), None, "{filename} for {project}");
        }
    }

    #[test]
    fn the_first_split_that_works_is_taken() {
        // `foo` then version `bar-1.0` fails; `foo-bar` then `1.0` works.
        assert_eq!(sdist("foo-bar-1.0.tar.gz", "foo-bar").1, "1.0");
        // A name ending in a separator (not a valid name, but normalizable).
        assert_eq!(sdist("foo_-1.0.zip", "foo-").0, "foo-");
    }

    proptest! {
        #[test]
        fn never_panics(filename in ".{0,40}", project in ".{0,10}") {
            let _ = parse(&filename, &project);
        }

        #[test]
        fn sdists_round_trip(
            parts in prop::collection::vec("[A-Za-z0-9]{1,6}", 1..4),
            seps in prop::collection::vec("[._-]{1,2}", 3),
            version in "[0-9]{1,3}(\\.[0-9]{1,3}){0,3}((a|b|rc)[0-9])?(\\.post[0-9])?",
            format in prop::sample::select(&SdistFormat::ALL),
        ) {
            let mut name = parts[0].clone();
            for (part, sep) in parts[1..].iter().zip(&seps) {
                name.push_str(sep);
                name.push_str(part);
            }
            let filename = format!("{name}-{version}.{}", format.extension());
            let parsed = parse(&filename, &name.to_uppercase()).unwrap();
            prop_assert_eq!(parsed.name(), normalize_name(&name));
            prop_assert_eq!(parsed.version(), &Version::parse(&version).unwrap());
        }
    }
}
