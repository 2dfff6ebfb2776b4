//! Every name in the cache, spelled once.
//!
//! This is the only place in sdistill — Rust or Python — where a bucket, a shard kind
//! or a file or folder inside a shard is named. Python asks for paths through
//! `sdistill._core.CacheLayout`, `Revision`, `Answers` and `wheel_seal`, which call the
//! functions below.
//!
//! # The tree
//!
//! ```text
//! <root>/
//! ├── CACHEDIR.TAG          marks the tree as a cache for backup tools
//! ├── .gitignore            "*": never committed by accident
//! ├── .lock                 shared by every filler, exclusive for `clean` and `prune`
//! ├── simple-v1/            index pages, one record per project
//! │   ├── <digest(index url/)>/<name>                    a project page (HTTP entry)
//! │   ├── metadata/<digest(url)>                         a wheel's PEP 658 metadata
//! │   ├── metadata/<digest(wheel url + from-wheel)>      METADATA read out of a wheel
//! │   ├── resolutions/<digest(inputs)>                   a resolution's pins, its pages
//! │   └── responses/<digest(url)>                        any other GET (HTTP entry)
//! ├── sdists-v1/            sources, their metadata and the wheels built from them
//! │   ├── index/<digest(index url/)>/<name>/<version>/   a registry sdist
//! │   ├── url/<digest(url)>/                             a direct URL
//! │   ├── git/<digest(repo)>/<commit[:16]>/              a git checkout (no pointer)
//! │   ├── path/<digest(file url)>/                       a local archive or directory
//! │   └── editable/<digest(file url)>/                   a directory built editable
//! ├── git-v1/               git repositories
//! │   ├── db/<digest(git+repo url)>/                     one bare database per repository
//! │   ├── db/<digest(git+repo url)>.lock                 held while it is fetched
//! │   └── no-hooks/                                      empty: git's core.hooksPath
//! ├── environments-v1/      build environments
//! │   └── <digest(key)>/                                 interpreter, requirements, index
//! │       ├── .sdistill-constraints.txt                  the constraints it was made with
//! │       └── .sdistill-complete                         the mark, written last (sealed)
//! └── tmp/                  staging areas, renamed into place when complete
//! ```
//!
//! An index URL is keyed with exactly one trailing `/` ([`index_url_key`]), so
//! `https://pypi.org/simple` and `https://pypi.org/simple/` share their entries.
//!
//! # Inside a shard
//!
//! ```text
//! <shard>/
//! ├── revision              pointer: the id of the revision that describes the source now
//! ├── package               the normalised name of the package, once known
//! ├── repository            a git shard: the name of its database in `git-v1/db/`
//! ├── http                  a downloaded source: the archive's HTTP entry
//! ├── http.lock             held while the archive is downloaded into a new revision
//! └── <revision id>/        one state of the source             ([`Revision`])
//!     ├── stamp             a local source: what the revision was made for (sealed)
//!     ├── src/              the source tree
//!     └── <settings key>/   answers made with one set of config settings ([`Answers`])
//!         ├── METADATA      the core metadata record
//!         ├── answer        its printed forms, sealing both files
//!         └── wheels/       built wheels, each with `<wheel>.seal` beside it
//! <shard>.lock              the shard's lock file, beside it
//! ```
//!
//! # Git shards
//!
//! A git shard (`sdists-v1/git/<digest>/`) has no `revision` pointer: its revisions are
//! named by their commit (`<commit[:16]>`, hex), found by it, and none supersedes
//! another — `@main` last week and `@main` today are two commits, both kept. So `prune`
//! never removes a git shard's revisions (only what a killed process left in them);
//! `clean NAME` removes the whole shard through its `package` marker. The shard's
//! `repository` file ([`GIT_DATABASE_LINK`]) names the database its commits were
//! fetched into, written when a revision is made: `prune` removes every database that
//! no git shard names.

use std::path::{Path, PathBuf};

use super::{Cache, Error};
use crate::cache_key::{cache_digest, canonical_url, digest_bytes};

/// `CACHEDIR.TAG` at the root.
pub const CACHEDIR_TAG_FILE: &str = "CACHEDIR.TAG";
/// `.gitignore` at the root.
pub const GITIGNORE_FILE: &str = ".gitignore";
/// The root lock file.
pub const ROOT_LOCK_FILE: &str = ".lock";
/// The suffix of a lock file beside what it locks (`<shard>.lock`, `http.lock`).
pub const LOCK_SUFFIX: &str = ".lock";
/// A shard's pointer to its live revision.
pub const REVISION_FILE: &str = "revision";
/// A shard's package marker.
pub const PACKAGE_FILE: &str = "package";
/// A downloaded source's HTTP entry, inside its shard.
pub const HTTP_ENTRY: &str = "http";
/// A revision's stamp.
pub const STAMP_FILE: &str = "stamp";
/// A revision's source tree.
pub const TREE_DIR: &str = "src";
/// The metadata record in a settings directory.
pub const RECORD_FILE: &str = "METADATA";
/// The answer record beside it.
pub const ANSWER_FILE: &str = "answer";
/// The built wheels of a settings directory.
pub const WHEELS_DIR: &str = "wheels";
/// The suffix of a wheel's seal (`<wheel>.seal`).
pub const WHEEL_SEAL_SUFFIX: &str = ".seal";
/// The folder of `simple-v1` holding wheels' PEP 658 metadata files.
pub const WHEEL_METADATA_DIR: &str = "metadata";
/// The folder of `simple-v1` holding the default entries of plain GETs.
pub const RESPONSES_DIR: &str = "responses";
/// The folder of `simple-v1` holding the records of resolutions.
pub const RESOLUTIONS_DIR: &str = "resolutions";
/// A git shard's record of its database: the database's directory name in `git-v1/db/`.
pub const GIT_DATABASE_LINK: &str = "repository";
/// The folder of `git-v1` holding one bare database per repository.
pub const GIT_DB_DIR: &str = "db";
/// The empty folder of `git-v1` that git is given as `core.hooksPath`.
pub const GIT_NO_HOOKS_DIR: &str = "no-hooks";
/// Added to a wheel URL's key for its metadata record.
const WHEEL_METADATA_RECORD_KEY: &str = "from-wheel";
/// Added to a git shard's key when its checkouts hold Git LFS content.
const GIT_LFS_KEY: &str = "lfs";
/// The completion mark of a build environment.
pub const ENVIRONMENT_MARK: &str = ".sdistill-complete";
/// The constraints file a build environment was installed with.
pub const ENVIRONMENT_CONSTRAINTS: &str = ".sdistill-constraints.txt";

/// A top-level directory of the cache. The directory name carries the format version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Simple,
    Sdists,
    Git,
    Environments,
    Tmp,
}

impl Bucket {
    pub const ALL: [Bucket; 5] = [
        Bucket::Simple,
        Bucket::Sdists,
        Bucket::Git,
        Bucket::Environments,
        Bucket::Tmp,
    ];

    /// The directory name, with its format version (`"sdists-v1"`).
    pub fn dir_name(self) -> &'static str {
        match self {
            Bucket::Simple => "simple-v1",
            Bucket::Sdists => "sdists-v1",
            Bucket::Git => "git-v1",
            Bucket::Environments => "environments-v1",
            Bucket::Tmp => "tmp",
        }
    }
}

/// The kinds of shard in `sdists-v1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardKind {
    Path,
    Editable,
    Url,
    Index,
    Git,
}

impl ShardKind {
    pub fn dir_name(self) -> &'static str {
        match self {
            ShardKind::Path => "path",
            ShardKind::Editable => "editable",
            ShardKind::Url => "url",
            ShardKind::Index => "index",
            ShardKind::Git => "git",
        }
    }
}

/// An index URL as its entries are keyed: with exactly one trailing `/`.
pub fn index_url_key(index_url: &str) -> String {
    format!("{}/", index_url.trim_end_matches('/'))
}

/// `<path>.lock`, beside what it locks.
pub fn lock_path_of(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(LOCK_SUFFIX);
    path.with_file_name(name)
}

/// The HTTP entry of an archive extracted into revisions of `shard`.
pub fn archive_entry(shard: &Path) -> PathBuf {
    shard.join(HTTP_ENTRY)
}

/// `<shard>/repository`: which database a git shard's commits come from.
pub fn git_database_link(shard: &Path) -> PathBuf {
    shard.join(GIT_DATABASE_LINK)
}

/// `<wheel>.seal`, the record of a cached wheel's size and hash.
pub fn wheel_seal(wheel: &Path) -> PathBuf {
    let mut name = wheel.file_name().unwrap_or_default().to_os_string();
    name.push(WHEEL_SEAL_SUFFIX);
    wheel.with_file_name(name)
}

/// One revision of a shard: `<shard>/<id>/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Revision {
    pub shard: PathBuf,
    pub id: String,
}

impl Revision {
    pub fn new(shard: impl Into<PathBuf>, id: impl Into<String>) -> Revision {
        Revision {
            shard: shard.into(),
            id: id.into(),
        }
    }

    pub fn path(&self) -> PathBuf {
        self.shard.join(&self.id)
    }

    /// The source tree.
    pub fn tree(&self) -> PathBuf {
        self.path().join(TREE_DIR)
    }

    /// The stamp of a local source's revision.
    pub fn stamp(&self) -> PathBuf {
        self.path().join(STAMP_FILE)
    }

    /// The answers made with the config settings keyed `settings`.
    pub fn answers(&self, settings: &str) -> Answers {
        Answers {
            path: self.path().join(settings),
        }
    }
}

/// The answers of one revision for one settings key: `<revision>/<settings>/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answers {
    pub path: PathBuf,
}

impl Answers {
    pub fn record(&self) -> PathBuf {
        self.path.join(RECORD_FILE)
    }

    pub fn answer(&self) -> PathBuf {
        self.path.join(ANSWER_FILE)
    }

    pub fn wheels(&self) -> PathBuf {
        self.path.join(WHEELS_DIR)
    }
}

/// The paths of shards and entries, from what names them.
impl Cache {
    pub fn bucket(&self, bucket: Bucket) -> PathBuf {
        self.root().join(bucket.dir_name())
    }

    /// `tmp/`.
    pub fn temp_root(&self) -> PathBuf {
        self.bucket(Bucket::Tmp)
    }

    /// `sdists-v1/path/<digest(file url)>` (or `editable/`).
    pub fn path_shard(&self, file_url: &str, editable: bool) -> Result<PathBuf, Error> {
        let kind = if editable {
            ShardKind::Editable
        } else {
            ShardKind::Path
        };
        self.sdists(kind, &[&cache_digest(file_url)?])
    }

    /// `sdists-v1/url/<digest(url)>`.
    pub fn url_shard(&self, url: &str) -> Result<PathBuf, Error> {
        self.sdists(ShardKind::Url, &[&cache_digest(url)?])
    }

    /// `sdists-v1/index/<digest(index url/)>/<name>/<version>`.
    pub fn index_sdist_shard(
        &self,
        index_url: &str,
        name: &str,
        version: &str,
    ) -> Result<PathBuf, Error> {
        let index = cache_digest(&index_url_key(index_url))?;
        self.sdists(ShardKind::Index, &[&index, name, version])
    }

    /// `simple-v1/<digest(index url/)>/<name>`.
    pub fn index_page_entry(&self, index_url: &str, name: &str) -> Result<PathBuf, Error> {
        let index = cache_digest(&index_url_key(index_url))?;
        self.shard(Bucket::Simple, &[&index, name])
    }

    /// `simple-v1/metadata/<digest(url)>`.
    pub fn wheel_metadata_entry(&self, url: &str) -> Result<PathBuf, Error> {
        self.shard(Bucket::Simple, &[WHEEL_METADATA_DIR, &cache_digest(url)?])
    }

    /// `simple-v1/metadata/<digest(url + "\nfrom-wheel")>`: the record of a wheel's
    /// `METADATA` read out of the wheel itself (`crate::wheel_metadata`), beside the
    /// entries of PEP 658 files, which are keyed by their own URLs.
    pub fn wheel_metadata_record(&self, wheel_url: &str) -> Result<PathBuf, Error> {
        let key = format!("{}\n{WHEEL_METADATA_RECORD_KEY}", canonical_url(wheel_url)?);
        self.shard(
            Bucket::Simple,
            &[WHEEL_METADATA_DIR, &digest_bytes(key.as_bytes())],
        )
    }

    /// `simple-v1/resolutions/<digest(key)>`: the record of a resolution (`key`: its
    /// inputs, written by `sdistill.resolve.replay`).
    pub fn resolution_record(&self, key: &str) -> Result<PathBuf, Error> {
        self.shard(
            Bucket::Simple,
            &[RESOLUTIONS_DIR, &digest_bytes(key.as_bytes())],
        )
    }

    /// `simple-v1/responses/<digest(url)>`: the entry of a plain GET that names none.
    pub fn response_entry(&self, url: &str) -> Result<PathBuf, Error> {
        self.shard(Bucket::Simple, &[RESPONSES_DIR, &cache_digest(url)?])
    }

    /// `sdists-v1/git/<digest(key)>`: the shard of a project in a git repository (`key`:
    /// the canonical repository URL, with `#subdirectory=…` when the project is not at
    /// its top). Revisions inside are named by commit. `lfs`: its checkouts hold Git
    /// LFS content, not pointer files -- another tree, so another shard.
    pub fn git_shard(&self, key: &str, lfs: bool) -> Result<PathBuf, Error> {
        let digest = if lfs {
            digest_bytes(format!("{}\n{GIT_LFS_KEY}", canonical_url(key)?).as_bytes())
        } else {
            cache_digest(key)?
        };
        self.sdists(ShardKind::Git, &[&digest])
    }

    /// `git-v1/db/<digest(git+repo url)>`: the bare database of a repository. `url` is
    /// written without `git+`; it is keyed as a git URL, so `…/r.git` and `…/r` share
    /// one database (and credentials never reach the key).
    pub fn git_db(&self, url: &str) -> Result<PathBuf, Error> {
        let key = cache_digest(&format!("git+{url}"))?;
        self.shard(Bucket::Git, &[GIT_DB_DIR, &key])
    }

    /// `git-v1/db`: every repository's database.
    pub fn git_dbs(&self) -> PathBuf {
        self.bucket(Bucket::Git).join(GIT_DB_DIR)
    }

    /// `git-v1/no-hooks`: the empty directory git runs with as its hooks directory.
    pub fn git_no_hooks(&self) -> PathBuf {
        self.bucket(Bucket::Git).join(GIT_NO_HOOKS_DIR)
    }

    /// `environments-v1/<digest(key)>`.
    pub fn environment_shard(&self, key: &str) -> PathBuf {
        self.bucket(Bucket::Environments)
            .join(digest_bytes(key.as_bytes()))
    }

    /// The completion mark inside an environment's shard.
    pub fn environment_mark(shard: &Path) -> PathBuf {
        shard.join(ENVIRONMENT_MARK)
    }

    /// The constraints file inside an environment's shard.
    pub fn environment_constraints(shard: &Path) -> PathBuf {
        shard.join(ENVIRONMENT_CONSTRAINTS)
    }

    /// Every completion mark that exists, in name order.
    pub fn environment_marks(&self) -> Result<Vec<PathBuf>, Error> {
        let mut marks: Vec<PathBuf> = super::walk::read_dir(&self.bucket(Bucket::Environments))?
            .into_iter()
            .map(|shard| Cache::environment_mark(&shard))
            .filter(|mark| mark.is_file())
            .collect();
        marks.sort();
        Ok(marks)
    }

    fn sdists(&self, kind: ShardKind, parts: &[&str]) -> Result<PathBuf, Error> {
        let mut all = vec![kind.dir_name()];
        all.extend_from_slice(parts);
        self.shard(Bucket::Sdists, &all)
    }

    /// `<bucket>/<part>/<part>/…`, each part one plain component.
    pub fn shard(&self, bucket: Bucket, parts: &[&str]) -> Result<PathBuf, Error> {
        let mut path = self.bucket(bucket);
        for part in parts {
            if !is_plain_component(part) {
                return Err(Error::InvalidComponent((*part).to_owned()));
            }
            path.push(part);
        }
        Ok(path)
    }
}

fn is_plain_component(part: &str) -> bool {
    !part.is_empty()
        && part != "."
        && part != ".."
        && !part.contains(['/', '\\', '\0'])
        && !part.ends_with(LOCK_SUFFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache() -> (tempfile::TempDir, Cache) {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::init(dir.path()).unwrap();
        (dir, cache)
    }

    fn relative(cache: &Cache, path: &Path) -> String {
        path.strip_prefix(cache.root())
            .unwrap()
            .display()
            .to_string()
    }

    #[test]
    fn shards_are_where_the_tree_says() {
        let (_dir, cache) = cache();
        let url = "https://example.com/x-1.0.tar.gz";
        let digest = cache_digest(url).unwrap();
        let shard = cache.url_shard(url).unwrap();
        assert_eq!(relative(&cache, &shard), format!("sdists-v1/url/{digest}"));
        let file = "file:///src/x";
        let local = cache_digest(file).unwrap();
        let path = cache.path_shard(file, false).unwrap();
        let editable = cache.path_shard(file, true).unwrap();
        assert_eq!(relative(&cache, &path), format!("sdists-v1/path/{local}"));
        assert_eq!(
            relative(&cache, &editable),
            format!("sdists-v1/editable/{local}")
        );
        let metadata = cache.wheel_metadata_entry(url).unwrap();
        assert_eq!(
            relative(&cache, &metadata),
            format!("simple-v1/metadata/{digest}")
        );
        assert_eq!(
            relative(&cache, &cache.response_entry(url).unwrap()),
            format!("simple-v1/responses/{digest}")
        );
        assert_eq!(relative(&cache, &cache.temp_root()), "tmp");
        let repo = "https://example.com/o/r";
        let git = cache_digest("git+https://example.com/o/r").unwrap();
        for spelling in [
            repo,
            "https://example.com/o/r.git",
            "https://t@example.com/o/r",
        ] {
            assert_eq!(
                relative(&cache, &cache.git_db(spelling).unwrap()),
                format!("git-v1/db/{git}")
            );
        }
        assert_eq!(relative(&cache, &cache.git_dbs()), "git-v1/db");
        let key = "https://example.com/o/r#subdirectory=pkg";
        assert_eq!(
            relative(&cache, &cache.git_shard(key, false).unwrap()),
            format!("sdists-v1/git/{}", cache_digest(key).unwrap())
        );
        assert_eq!(relative(&cache, &cache.git_no_hooks()), "git-v1/no-hooks");
        assert_eq!(
            git_database_link(Path::new("/s")),
            Path::new("/s/repository")
        );
    }

    #[test]
    fn an_index_is_keyed_with_one_trailing_slash() {
        let (_dir, cache) = cache();
        assert_eq!(index_url_key("https://h/simple"), "https://h/simple/");
        assert_eq!(index_url_key("https://h/simple///"), "https://h/simple/");
        let index = cache_digest("https://h/simple/").unwrap();
        for spelling in ["https://h/simple", "https://h/simple/"] {
            let page = cache.index_page_entry(spelling, "six").unwrap();
            assert_eq!(relative(&cache, &page), format!("simple-v1/{index}/six"));
            let sdist = cache.index_sdist_shard(spelling, "six", "1.0").unwrap();
            assert_eq!(
                relative(&cache, &sdist),
                format!("sdists-v1/index/{index}/six/1.0")
            );
        }
        for bad in ["..", "a/b", "x.lock", ""] {
            assert!(cache.index_sdist_shard("https://h/", bad, "1").is_err());
            assert!(cache.index_page_entry("https://h/", bad).is_err());
        }
    }

    #[test]
    fn revisions_answers_and_seals() {
        let revision = Revision::new("/c/shard", "abc");
        assert_eq!(revision.path(), Path::new("/c/shard/abc"));
        assert_eq!(revision.tree(), Path::new("/c/shard/abc/src"));
        assert_eq!(revision.stamp(), Path::new("/c/shard/abc/stamp"));
        let answers = revision.answers("cfg-1");
        assert_eq!(answers.record(), Path::new("/c/shard/abc/cfg-1/METADATA"));
        assert_eq!(answers.answer(), Path::new("/c/shard/abc/cfg-1/answer"));
        assert_eq!(answers.wheels(), Path::new("/c/shard/abc/cfg-1/wheels"));
        assert_eq!(
            wheel_seal(Path::new("/w/x-1-py3-none-any.whl")),
            Path::new("/w/x-1-py3-none-any.whl.seal")
        );
        assert_eq!(archive_entry(Path::new("/s")), Path::new("/s/http"));
        assert_eq!(
            lock_path_of(&archive_entry(Path::new("/s"))),
            Path::new("/s/http.lock")
        );
    }

    #[test]
    fn environment_marks_are_listed() {
        let (_dir, cache) = cache();
        let shard = cache.environment_shard("python=/usr/bin/python3\nsetuptools");
        assert_eq!(
            relative(&cache, &shard),
            format!(
                "environments-v1/{}",
                digest_bytes(b"python=/usr/bin/python3\nsetuptools")
            )
        );
        assert!(cache.environment_marks().unwrap().is_empty());
        std::fs::create_dir_all(&shard).unwrap();
        std::fs::create_dir_all(cache.environment_shard("incomplete")).unwrap();
        std::fs::write(Cache::environment_mark(&shard), b"mark").unwrap();
        assert_eq!(
            cache.environment_marks().unwrap(),
            [shard.join(".sdistill-complete")]
        );
        assert_eq!(
            Cache::environment_constraints(&shard),
            shard.join(".sdistill-constraints.txt")
        );
    }
}
