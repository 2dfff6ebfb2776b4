//! No hook and no fsmonitor runs while sdistill fetches and checks out — not even those
//! the user's global config names. One test in its own process: it sets
//! `GIT_CONFIG_GLOBAL` for the whole process.

mod git_repo;

use std::os::unix::fs::PermissionsExt;

use git_repo::{git, Upstream};
use sdistill_core::cache::Cache;
use sdistill_core::git;

#[test]
fn hooks_of_the_user_config_and_the_repository_never_run() {
    let dir = tempfile::tempdir().unwrap();
    let sentinel = dir.path().join("sentinel");
    let hooks = dir.path().join("hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    let script = format!("#!/bin/sh\ntouch '{}'\n", sentinel.display());
    for hook in [
        "post-checkout",
        "reference-transaction",
        "post-index-change",
    ] {
        let path = hooks.join(hook);
        std::fs::write(&path, &script).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let fsmonitor = dir.path().join("fsmonitor");
    std::fs::write(&fsmonitor, &script).unwrap();
    std::fs::set_permissions(&fsmonitor, std::fs::Permissions::from_mode(0o755)).unwrap();

    let up = Upstream::new(dir.path());
    // The upstream repository ships hooks of its own.
    let own = up.dir.join(".git").join("hooks").join("post-checkout");
    std::fs::write(&own, &script).unwrap();
    std::fs::set_permissions(&own, std::fs::Permissions::from_mode(0o755)).unwrap();

    let config = dir.path().join("gitconfig");
    std::fs::write(
        &config,
        format!(
            "[core]\n\thooksPath = {}\n\tfsmonitor = {}\n",
            hooks.display(),
            fsmonitor.display()
        ),
    )
    .unwrap();
    std::env::set_var("GIT_CONFIG_GLOBAL", &config);

    // The config is live: a plain clone runs the hook.
    let plain = dir.path().join("plain");
    git(
        dir.path(),
        &["clone", "--quiet", &up.url, plain.to_str().unwrap()],
    );
    assert!(sentinel.exists(), "the test's hook runs for plain git");
    std::fs::remove_file(&sentinel).unwrap();

    let cache = Cache::init(&dir.path().join("cache")).unwrap();
    let resolved = git::resolve(&cache, &up.url, Some("trunk"), false).unwrap();
    let dest = dir.path().join("src");
    git::checkout(&cache, &up.url, &resolved.commit, &dest, false).unwrap();
    assert!(dest.join("file.txt").is_file());
    assert!(!sentinel.exists(), "a hook ran");
}
