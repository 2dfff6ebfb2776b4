//! Git sources against real repositories over `file://`: rev forms, what reaches the
//! network, offline answers, checkouts, option injection, healing.

mod git_repo;

use std::path::Path;

use git_repo::{file_url, git, Upstream};
use sdistill_core::cache::Cache;
use sdistill_core::git::{self, Error, Resolved};

fn setup() -> (tempfile::TempDir, Cache, Upstream) {
    let dir = tempfile::tempdir().unwrap();
    let cache = Cache::init(&dir.path().join("cache")).unwrap();
    let upstream = Upstream::new(dir.path());
    (dir, cache, upstream)
}

fn commit(cache: &Cache, url: &str, rev: Option<&str>) -> String {
    git::resolve(cache, url, rev, false).unwrap().commit
}

#[test]
fn every_rev_form_resolves() {
    let (_dir, cache, up) = setup();
    let short = &up.c2[..9];
    let upper = up.c1.to_ascii_uppercase();
    let cases = [
        (None, &up.c3),
        (Some("trunk"), &up.c3),
        (Some("v1.0"), &up.c1),
        (Some("lw"), &up.c2),
        (Some("refs/pull/1/head"), &up.pr),
        (Some("refs/tags/v1.0"), &up.c1),
        (Some(up.c2.as_str()), &up.c2),
        (Some(upper.as_str()), &up.c1),
        (Some(short), &up.c2),
    ];
    for (rev, expected) in cases {
        assert_eq!(&commit(&cache, &up.url, rev), expected, "{rev:?}");
    }
}

#[test]
fn a_branch_wins_over_a_tag_of_the_same_name() {
    let (_dir, cache, up) = setup();
    assert_eq!(commit(&cache, &up.url, Some("same")), up.c1);
}

#[test]
fn a_short_commit_not_on_a_branch_or_tag_is_fetched_with_every_ref() {
    let (_dir, cache, up) = setup();
    // c1 is reachable from every branch; a prefix is looked up after fetching them all.
    let resolved = git::resolve(&cache, &up.url, Some(&up.c1[..7]), false).unwrap();
    assert_eq!(
        resolved,
        Resolved {
            commit: up.c1.clone(),
            fetched: true
        }
    );
}

#[test]
fn a_full_commit_already_present_makes_no_fetch() {
    let (_dir, cache, up) = setup();
    let first = git::resolve(&cache, &up.url, Some("trunk"), false).unwrap();
    assert!(first.fetched);
    for sha in [&up.c1, &up.c2, &up.c3] {
        let again = git::resolve(&cache, &up.url, Some(sha), false).unwrap();
        assert!(!again.fetched, "{sha}");
    }
    // Nor when upstream is gone: nothing is asked of it.
    std::fs::remove_dir_all(&up.dir).unwrap();
    let gone = git::resolve(&cache, &up.url, Some(&up.c3), false).unwrap();
    assert!(!gone.fetched);
    // A branch asks upstream (one round trip), and says so when it is gone.
    let err = git::resolve(&cache, &up.url, Some("trunk"), false).unwrap_err();
    assert!(matches!(err, Error::Command { .. }), "{err}");
}

#[test]
fn a_branch_already_fetched_is_not_fetched_again() {
    let (_dir, cache, up) = setup();
    assert!(
        git::resolve(&cache, &up.url, Some("trunk"), false)
            .unwrap()
            .fetched
    );
    let again = git::resolve(&cache, &up.url, Some("trunk"), false).unwrap();
    assert_eq!(again.commit, up.c3);
    assert!(!again.fetched);
    // The branch moves: the new commit is fetched.
    std::fs::write(up.dir.join("file.txt"), "four").unwrap();
    git(&up.dir, &["commit", "--quiet", "-am", "four"]);
    let moved = git::resolve(&cache, &up.url, Some("trunk"), false).unwrap();
    assert_eq!(moved.commit, git(&up.dir, &["rev-parse", "HEAD"]));
    assert!(moved.fetched);
}

#[test]
fn offline_answers_from_the_database_or_fails() {
    let (_dir, cache, up) = setup();
    for rev in [None, Some("trunk"), Some(up.c1.as_str())] {
        let err = git::resolve(&cache, &up.url, rev, true).unwrap_err();
        assert!(matches!(err, Error::Offline { .. }), "{rev:?}: {err}");
    }
    commit(&cache, &up.url, None);
    commit(&cache, &up.url, Some("v1.0"));
    let offline = |rev| git::resolve(&cache, &up.url, rev, true).unwrap();
    assert_eq!(offline(None).commit, up.c3);
    assert_eq!(offline(Some("trunk")).commit, up.c3);
    assert_eq!(offline(Some("v1.0")).commit, up.c1);
    assert_eq!(offline(Some(&up.c2[..8])).commit, up.c2);
    assert!(!offline(Some(&up.c1)).fetched);
}

#[test]
fn unknown_revs_say_what_was_tried() {
    let (_dir, cache, up) = setup();
    let err = git::resolve(&cache, &up.url, Some("nope"), false).unwrap_err();
    assert!(matches!(err, Error::RevNotFound { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("branch refs/heads/nope, tag refs/tags/nope"),
        "{err}"
    );
    let missing = "0".repeat(40);
    let err = git::resolve(&cache, &up.url, Some(&missing), false).unwrap_err();
    assert!(matches!(err, Error::RevNotFound { .. }), "{err}");
    let err = git::resolve(&cache, &up.url, Some("deadbeef"), false).unwrap_err();
    assert!(matches!(err, Error::RevNotFound { .. }), "{err}");
}

#[test]
fn option_injection_never_runs() {
    let (dir, cache, up) = setup();
    let sentinel = dir.path().join("sentinel");
    let s = sentinel.display();
    for rev in [
        format!("--upload-pack=touch {s}"),
        format!("-oProxyCommand=touch {s}"),
        "--output=/tmp/x".to_owned(),
        format!("refs/heads/x --upload-pack=touch {s}"),
    ] {
        let err = git::resolve(&cache, &up.url, Some(&rev), false).unwrap_err();
        assert!(matches!(err, Error::InvalidRev { .. }), "{rev}: {err}");
    }
    for url in [
        format!("--upload-pack=touch {s}"),
        format!("-oProxyCommand=touch {s}"),
        format!("ext::sh -c touch% {s}"),
        format!("ext::sh -c touch% {s}://x"),
        "fd::0".to_owned(),
        format!("ssh://-oProxyCommand=touch%20{s}/r"),
    ] {
        let err = git::resolve(&cache, &url, None, false).unwrap_err();
        assert!(
            matches!(err, Error::InvalidUrl { .. } | Error::Command { .. }),
            "{url}: {err}"
        );
        let dest = dir.path().join("never");
        assert!(git::checkout(&cache, &url, &up.c1, &dest, false).is_err());
    }
    assert!(!sentinel.exists());
}

#[test]
fn a_checkout_has_the_commit_and_its_tags() {
    let (dir, cache, up) = setup();
    let commit = commit(&cache, &up.url, Some("trunk"));
    let dest = dir.path().join("out").join("src");
    std::fs::create_dir_all(&dest).unwrap(); // an empty directory is replaced
    git::checkout(&cache, &up.url, &commit, &dest, false).unwrap();
    assert_eq!(
        std::fs::read_to_string(dest.join("file.txt")).unwrap(),
        "three"
    );
    assert_eq!(git(&dest, &["rev-parse", "HEAD"]), up.c3);
    let described = git(&dest, &["describe", "--tags", "--long", "--match", "v*"]);
    assert_eq!(described, format!("v1.0-2-g{}", &up.c3[..7]));
    assert_eq!(git(&dest, &["status", "--porcelain"]), "");
    // Its origin is the repository, not the cache's database.
    assert_eq!(git(&dest, &["config", "remote.origin.url"]), up.url);
    // Nothing is left in tmp/.
    assert_eq!(std::fs::read_dir(cache.temp_root()).unwrap().count(), 0);
    // An existing destination is refused.
    let err = git::checkout(&cache, &up.url, &commit, &dest, false).unwrap_err();
    assert!(matches!(err, Error::DestinationExists(_)), "{err}");
}

#[test]
fn a_checkout_of_a_commit_not_resolved_is_refused() {
    let (dir, cache, up) = setup();
    let dest = dir.path().join("src");
    let err = git::checkout(&cache, &up.url, &up.c1, &dest, false).unwrap_err();
    assert!(matches!(err, Error::RevNotFound { .. }), "{err}");
    let err = git::checkout(&cache, &up.url, "trunk", &dest, false).unwrap_err();
    assert!(matches!(err, Error::InvalidRev { .. }), "{err}");
    assert!(!dest.exists());
}

#[test]
fn lfs_asked_for_without_git_lfs_is_a_clear_error() {
    let lfs = std::process::Command::new("git")
        .args(["lfs", "version"])
        .output();
    if lfs.is_ok_and(|output| output.status.success()) {
        return; // git-lfs is installed here: nothing to check.
    }
    let (dir, cache, up) = setup();
    let commit = commit(&cache, &up.url, None);
    let dest = dir.path().join("src");
    let err = git::checkout(&cache, &up.url, &commit, &dest, true).unwrap_err();
    assert!(matches!(err, Error::LfsMissing), "{err}");
    assert!(err.to_string().contains("git-lfs"));
}

#[test]
fn submodules_are_checked_out() {
    let (dir, cache, up) = setup();
    let top = dir.path().join("top");
    std::fs::create_dir_all(&top).unwrap();
    git(&top, &["init", "--quiet", "--initial-branch=main"]);
    git(
        &top,
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "--quiet",
            "add",
            &up.url,
            "sub",
        ],
    );
    git(&top, &["commit", "--quiet", "-m", "with a submodule"]);
    let url = file_url(&top);
    let commit = commit(&cache, &url, Some("main"));
    let dest = dir.path().join("src");
    git::checkout(&cache, &url, &commit, &dest, false).unwrap();
    assert_eq!(
        std::fs::read_to_string(dest.join("sub").join("file.txt")).unwrap(),
        "three"
    );
}

#[test]
fn a_database_without_head_is_made_again() {
    let (_dir, cache, up) = setup();
    commit(&cache, &up.url, Some("trunk"));
    let db = git::database_path(&cache, &up.url).unwrap();
    std::fs::remove_file(db.join("HEAD")).unwrap();
    let resolved = git::resolve(&cache, &up.url, Some(&up.c3), false).unwrap();
    assert!(resolved.fetched, "the database was empty again");
    assert!(db.join("HEAD").is_file());
}

#[test]
fn a_database_with_a_corrupt_object_is_made_again() {
    let (_dir, cache, up) = setup();
    commit(&cache, &up.url, Some("trunk"));
    let db = git::database_path(&cache, &up.url).unwrap();
    corrupt_objects(&db.join("objects"));
    let resolved = git::resolve(&cache, &up.url, Some("trunk"), false).unwrap();
    assert_eq!(resolved.commit, up.c3);
    let dest = _dir.path().join("src");
    git::checkout(&cache, &up.url, &resolved.commit, &dest, false).unwrap();
}

/// Overwrites every object and pack file with junk of the same length.
fn corrupt_objects(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            corrupt_objects(&path);
        } else if path.extension().is_some_and(|e| e == "pack") || path.parent() != Some(dir) {
            let len = std::fs::metadata(&path).unwrap().len() as usize;
            let mut perms = std::fs::metadata(&path).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perms.set_readonly(false);
            std::fs::set_permissions(&path, perms).unwrap();
            std::fs::write(&path, vec![b'x'; len]).unwrap();
        }
    }
}

#[test]
fn the_database_is_keyed_without_credentials_or_git_suffix() {
    let (_dir, cache, _up) = setup();
    let plain = git::database_path(&cache, "https://example.com/o/r").unwrap();
    for url in [
        "https://example.com/o/r.git",
        "https://user:secret@example.com/o/r",
    ] {
        assert_eq!(git::database_path(&cache, url).unwrap(), plain);
    }
}
