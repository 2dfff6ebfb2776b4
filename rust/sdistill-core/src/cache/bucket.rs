/// A top-level directory of the cache. The directory name carries the format version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// Index pages: `simple-v1/<digest(index url)>/<name>`.
    Simple,
    /// Sources, metadata and built wheels: `sdists-v1/<kind>/<digest>/…` (see the module docs).
    Sdists,
    /// Bare git repositories and checkouts: `git-v1/…`.
    Git,
    /// Build environments: `environments-v1/<digest(interpreter, requirements)>/`.
    Environments,
    /// Staging areas that are renamed into the other buckets once complete.
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

    /// The name callers use (`"sdists"`).
    pub fn name(self) -> &'static str {
        match self {
            Bucket::Simple => "simple",
            Bucket::Sdists => "sdists",
            Bucket::Git => "git",
            Bucket::Environments => "environments",
            Bucket::Tmp => "tmp",
        }
    }

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

    pub fn from_name(name: &str) -> Option<Bucket> {
        Bucket::ALL.into_iter().find(|b| b.name() == name)
    }
}
