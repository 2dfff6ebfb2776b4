//! One git invocation: the machine's `git`, never through a shell, in a controlled
//! environment (the rules are in the module docs of [`super`]).

use std::ffi::{OsStr, OsString};
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use super::askpass::Askpass;
use super::Error;
use crate::url::redact;

/// The transports every invocation may use.
pub(crate) const PROTOCOLS: &str = "https:http:ssh:file";
/// The transports of a submodule whose top-level repository is not a file URL.
pub(crate) const REMOTE_PROTOCOLS: &str = "https:http:ssh";
/// The Git LFS filter, set on the command line when LFS content is asked for.
const LFS_FILTER: [&str; 4] = [
    "filter.lfs.smudge=git-lfs smudge -- %f",
    "filter.lfs.process=git-lfs filter-process",
    "filter.lfs.clean=git-lfs clean -- %f",
    "filter.lfs.required=true",
];
/// How many lines of git's stderr an error keeps.
const STDERR_LINES: usize = 20;

/// `GIT_*` variables passed on to git: how to reach a server and how to trace. Every
/// other `GIT_*` (`GIT_DIR`, `GIT_WORK_TREE`, `GIT_INDEX_FILE`, `GIT_OBJECT_DIRECTORY`,
/// `GIT_ALTERNATE_OBJECT_DIRECTORIES`, `GIT_COMMON_DIR`, `GIT_NAMESPACE`,
/// `GIT_CONFIG_PARAMETERS`, `GIT_CONFIG_COUNT`, `GIT_ASKPASS`, …) is removed.
const KEPT_PREFIXES: [&str; 9] = [
    "GIT_SSH",
    "GIT_SSL_",
    "GIT_HTTP_",
    "GIT_PROXY_",
    "GIT_CURL_",
    "GIT_TRACE",
    "GIT_CONFIG_GLOBAL",
    "GIT_EXEC_PATH",
    "GIT_CEILING_DIRECTORIES",
];

/// `&[&OsStr]` from strings and paths alike.
macro_rules! args {
    ($($arg:expr),* $(,)?) => {
        &[$(::std::convert::AsRef::<::std::ffi::OsStr>::as_ref(&$arg)),*]
    };
}
pub(crate) use args;

/// How git is run for one operation.
#[derive(Debug, Clone)]
pub(crate) struct Git {
    /// An empty directory sdistill owns: `core.hooksPath`, so no hook ever runs.
    hooks: PathBuf,
    /// `GIT_ALLOW_PROTOCOL`.
    protocols: &'static str,
    /// Whether LFS content is smudged (else `GIT_LFS_SKIP_SMUDGE=1`).
    lfs: bool,
    /// `protocol.file.allow=always` (submodules of a file-URL repository).
    file_submodules: bool,
    /// Credentials of the URL, answered through an askpass helper.
    askpass: Option<Askpass>,
}

impl Git {
    pub(crate) fn new(hooks: PathBuf) -> Git {
        Git {
            hooks,
            protocols: PROTOCOLS,
            lfs: false,
            file_submodules: false,
            askpass: None,
        }
    }

    pub(crate) fn with_lfs(mut self, lfs: bool) -> Git {
        self.lfs = lfs;
        self
    }

    pub(crate) fn with_askpass(mut self, askpass: Option<Askpass>) -> Git {
        self.askpass = askpass;
        self
    }

    /// The same settings for `git submodule`: transports restricted, file URLs only
    /// when the top-level repository is itself a file URL.
    pub(crate) fn for_submodules(&self, top_level_is_file: bool) -> Git {
        let mut git = self.clone();
        git.protocols = if top_level_is_file {
            PROTOCOLS
        } else {
            REMOTE_PROTOCOLS
        };
        git.file_submodules = top_level_is_file;
        git
    }

    /// `git [-C dir] <args>`; stdout on success.
    pub(crate) fn run(&self, dir: Option<&Path>, args: &[&OsStr]) -> Result<Vec<u8>, Error> {
        let output = self.output(dir, args)?;
        if output.status.success() {
            Ok(output.stdout)
        } else {
            Err(failure(args, &output))
        }
    }

    /// Whether `git [-C dir] <args>` succeeds; a missing git is still an error. The
    /// stderr of a failure is returned for callers that tell corruption from absence.
    pub(crate) fn check(&self, dir: Option<&Path>, args: &[&OsStr]) -> Result<bool, Error> {
        let output = self.output(dir, args)?;
        if output.status.success() {
            return Ok(true);
        }
        let err = failure(args, &output);
        if err.is_corrupt() {
            Err(err)
        } else {
            Ok(false)
        }
    }

    fn output(&self, dir: Option<&Path>, args: &[&OsStr]) -> Result<Output, Error> {
        let mut command = self.command(dir, args);
        match command.output() {
            Ok(output) => Ok(output),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Err(Error::GitMissing),
            Err(err) => Err(Error::io("git", err)),
        }
    }

    fn command(&self, dir: Option<&Path>, args: &[&OsStr]) -> Command {
        let mut command = Command::new("git");
        for (key, _) in std::env::vars_os() {
            if is_removed(&key) {
                command.env_remove(key);
            }
        }
        command
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_ALLOW_PROTOCOL", self.protocols)
            // An empty askpass is skipped by git, so with prompts off nothing asks.
            .env("GIT_ASKPASS", "")
            .env("SSH_ASKPASS_REQUIRE", "never");
        if let Some(ssh) = ssh_command() {
            command.env("GIT_SSH_COMMAND", ssh);
        }
        if !self.lfs {
            command.env("GIT_LFS_SKIP_SMUDGE", "1");
        }
        if let Some(dir) = dir {
            command.arg("-C").arg(dir);
        }
        let mut hooks = OsString::from("core.hooksPath=");
        hooks.push(&self.hooks);
        command.arg("-c").arg(hooks);
        for setting in [
            "core.fsmonitor=false",
            "protocol.ext.allow=never",
            "protocol.fd.allow=never",
        ] {
            command.arg("-c").arg(setting);
        }
        if self.file_submodules {
            command.arg("-c").arg("protocol.file.allow=always");
        }
        if self.lfs {
            // The one filter ever defined: the user's config may lack it (no `git lfs
            // install`), and the repository's own `.gitattributes` only names filters.
            for setting in LFS_FILTER {
                command.arg("-c").arg(setting);
            }
        }
        if let Some(askpass) = &self.askpass {
            askpass.apply(&mut command);
        }
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }
}

/// Whether a variable of the caller's environment is kept from git.
fn is_removed(key: &OsStr) -> bool {
    let Some(key) = key.to_str() else {
        return false;
    };
    key.starts_with("GIT_") && !KEPT_PREFIXES.iter().any(|kept| key.starts_with(kept))
}

/// `GIT_SSH_COMMAND`: the user's own command with batch mode added, else plain ssh in
/// batch mode (then a `core.sshCommand` of the user's config is not used). A user who
/// set only `GIT_SSH` (a program, such as plink, that may not take `-o`) keeps it: git
/// prefers `GIT_SSH_COMMAND`, so it is then left unset (`None`).
fn ssh_command() -> Option<OsString> {
    match std::env::var_os("GIT_SSH_COMMAND") {
        Some(own) if !own.is_empty() => {
            let mut command = own;
            command.push(" -o BatchMode=yes");
            Some(command)
        }
        _ if std::env::var_os("GIT_SSH").is_some_and(|ssh| !ssh.is_empty()) => None,
        _ => Some(OsString::from("ssh -o BatchMode=yes")),
    }
}

/// The command as text for an error, credentials redacted.
pub(crate) fn command_text(args: &[&OsStr]) -> String {
    let mut text = String::from("git");
    for arg in args {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    redact(&text)
}

fn failure(args: &[&OsStr], output: &Output) -> Error {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = lines[lines.len().saturating_sub(STDERR_LINES)..].join("\n");
    Error::Command {
        command: command_text(args),
        code: output.status.code(),
        stderr_tail: redact(&tail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_variables_that_reach_servers_are_kept() {
        for removed in [
            "GIT_DIR",
            "GIT_WORK_TREE",
            "GIT_INDEX_FILE",
            "GIT_OBJECT_DIRECTORY",
            "GIT_ALTERNATE_OBJECT_DIRECTORIES",
            "GIT_COMMON_DIR",
            "GIT_NAMESPACE",
            "GIT_CONFIG_PARAMETERS",
            "GIT_CONFIG_COUNT",
            "GIT_ASKPASS",
        ] {
            assert!(is_removed(OsStr::new(removed)), "{removed}");
        }
        for kept in [
            "GIT_SSH_COMMAND",
            "GIT_SSL_CAINFO",
            "GIT_TRACE",
            "HOME",
            "PATH",
        ] {
            assert!(!is_removed(OsStr::new(kept)), "{kept}");
        }
    }

    #[test]
    fn commands_in_errors_are_redacted() {
        let text = command_text(args!["ls-remote", "https://u:secret@h/r", Path::new("/x")]);
        assert_eq!(text, "git ls-remote https://u:****@h/r /x");
    }

    /// The value git gets for `GIT_ALLOW_PROTOCOL`, and whether `-c
    /// protocol.file.allow=always` is on its command line.
    fn transports(git: &Git) -> (String, bool) {
        let command = git.command(None, args!["submodule", "update"]);
        let allowed = command
            .get_envs()
            .find(|(key, _)| *key == "GIT_ALLOW_PROTOCOL")
            .and_then(|(_, value)| value)
            .map(|value| value.to_string_lossy().into_owned())
            .unwrap_or_default();
        let file = command
            .get_args()
            .any(|arg| arg == "protocol.file.allow=always");
        (allowed, file)
    }

    #[test]
    fn file_submodules_only_under_a_file_top_level() {
        let git = Git::new(PathBuf::from("/cache/git-v1/no-hooks"));
        let top = transports(&git);
        assert_eq!(top, ("https:http:ssh:file".to_owned(), false));
        let under_https = transports(&git.for_submodules(false));
        assert_eq!(under_https, ("https:http:ssh".to_owned(), false));
        let under_file = transports(&git.for_submodules(true));
        assert_eq!(under_file, ("https:http:ssh:file".to_owned(), true));
    }

    #[test]
    fn ext_fd_and_hooks_are_off_on_every_command_line() {
        let git = Git::new(PathBuf::from("/cache/git-v1/no-hooks"));
        for git in [
            git.clone(),
            git.for_submodules(true),
            git.for_submodules(false),
        ] {
            let command = git.command(Some(Path::new("/cache/db")), args!["fetch"]);
            let args: Vec<String> = command
                .get_args()
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            for setting in [
                "core.hooksPath=/cache/git-v1/no-hooks",
                "core.fsmonitor=false",
                "protocol.ext.allow=never",
                "protocol.fd.allow=never",
            ] {
                let at = args.iter().position(|a| a == setting);
                assert!(
                    at.is_some_and(|at| args[at - 1] == "-c"),
                    "{setting}: {args:?}"
                );
            }
            let allowed = transports(&git).0;
            assert!(!allowed.split(':').any(|t| t == "ext" || t == "fd"));
        }
    }
}
