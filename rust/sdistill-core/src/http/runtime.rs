//! One tokio runtime per process, made on first use and made again after `fork`.
//!
//! A forked child inherits the parent's memory but none of its threads, so the
//! parent's runtime is a husk there: its workers do not exist and its I/O driver's
//! descriptors are shared with the parent. The process id tells whether the runtime at
//! hand was made by this process; if not, the old one is leaked (dropping it would try
//! to join threads that are not there) and a new one is made. The same holds for the
//! connection pool of the `reqwest` client, which is rebuilt alongside
//! ([`super::transport`]).

use std::sync::{Arc, Mutex};

use tokio::runtime::{Builder, Runtime};

static RUNTIME: Mutex<Option<(u32, Arc<Runtime>)>> = Mutex::new(None);

/// The runtime of this process.
pub fn runtime() -> std::io::Result<Arc<Runtime>> {
    let pid = std::process::id();
    let mut slot = RUNTIME.lock().unwrap_or_else(|poison| poison.into_inner());
    match slot.as_ref() {
        Some((owner, runtime)) if *owner == pid => Ok(runtime.clone()),
        _ => {
            if let Some((_, stale)) = slot.take() {
                std::mem::forget(stale); // made by the parent process: see the module docs
            }
            let runtime = Arc::new(
                Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name("sdistill-http")
                    .enable_all()
                    .build()?,
            );
            *slot = Some((pid, runtime.clone()));
            Ok(runtime)
        }
    }
}
