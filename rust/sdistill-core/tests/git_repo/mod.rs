//! Repositories made by the git tests: real `git`, in a temporary directory.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs git in `dir` with a fixed identity and clock; stdout, trimmed.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args(["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_DATE", "2020-01-01T00:00:00Z")
        .env("GIT_COMMITTER_DATE", "2020-01-01T00:00:00Z")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// A file URL of a directory.
pub fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// The upstream repository of the tests, and the commits it holds:
///
/// ```text
/// c1 ── c2 ── c3   trunk (the default branch; not main)
///  │     │     └── (HEAD)
///  │     └──────── tag `lw` (lightweight); tag `same`
///  └────────────── tag `v1.0` (annotated); branch `same`
/// c2 ── pr         refs/pull/1/head only
/// ```
pub struct Upstream {
    pub dir: PathBuf,
    pub url: String,
    pub c1: String,
    pub c2: String,
    pub c3: String,
    pub pr: String,
}

impl Upstream {
    pub fn new(root: &Path) -> Upstream {
        let dir = root.join("upstream");
        std::fs::create_dir_all(&dir).unwrap();
        git(&dir, &["init", "--quiet", "--initial-branch=trunk"]);
        let commit = |text: &str| {
            std::fs::write(dir.join("file.txt"), text).unwrap();
            git(&dir, &["add", "file.txt"]);
            git(&dir, &["commit", "--quiet", "-m", text]);
            git(&dir, &["rev-parse", "HEAD"])
        };
        let c1 = commit("one");
        git(&dir, &["tag", "-a", "v1.0", "-m", "release 1.0"]);
        git(&dir, &["branch", "same"]);
        let c2 = commit("two");
        git(&dir, &["tag", "lw"]);
        git(&dir, &["tag", "same"]);
        let pr = commit("pull request");
        git(&dir, &["update-ref", "refs/pull/1/head", &pr]);
        git(&dir, &["reset", "--quiet", "--hard", &c2]);
        let c3 = commit("three");
        Upstream {
            url: file_url(&dir),
            dir,
            c1,
            c2,
            c3,
            pr,
        }
    }
}
