//! Download progress against a loopback server: reported while a body streams, and not
//! at all when nothing is downloaded.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

use sdistill_core::cache::Cache;
use sdistill_core::http::progress::STEP_BYTES;
use sdistill_core::http::retry::RetryPolicy;
use sdistill_core::http::{Client, ClientConfig, Origin, Refresh, Request, TransportConfig, Want};

const BODY: usize = 1 << 20;
const PIECES: usize = 8;

/// Serves `requests` GETs, each answered with `BODY` bytes sent in pieces a little
/// apart (so that reports mid-body are due), cacheable for an hour.
fn serve(requests: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            answer(stream.unwrap());
        }
    });
    format!("http://{address}/file.bin")
}

fn answer(mut stream: TcpStream) {
    let mut request = Vec::new();
    let mut byte = [0u8; 1];
    while !request.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).unwrap() == 0 {
            return;
        }
        request.push(byte[0]);
    }
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {BODY}\r\nCache-Control: max-age=3600\r\n\
         Connection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    let piece = vec![b'x'; BODY / PIECES];
    for _ in 0..PIECES {
        stream.write_all(&piece).unwrap();
        stream.flush().unwrap();
        thread::sleep(Duration::from_millis(40));
    }
}

fn client(root: &std::path::Path) -> Client {
    let config = ClientConfig {
        transport: TransportConfig {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(10),
            max_redirects: 0,
            user_agent: "sdistill-test".into(),
            use_netrc: false,
        },
        retry: RetryPolicy {
            retries: 0,
            ..RetryPolicy::default()
        },
        offline: false,
        refresh: Refresh::Nothing,
        overrides: Vec::new(),
    };
    Client::new(Cache::init(root).unwrap(), config)
}

#[test]
fn a_download_reports_start_steps_and_end_and_a_hit_reports_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let client = client(dir.path());
    let url = serve(1);
    let calls = Mutex::new(Vec::new());
    let record = |done: u64, total: Option<u64>| calls.lock().unwrap().push((done, total));
    let request = Request {
        url,
        ..Request::default()
    };
    let want = Want::File {
        expected: Vec::new(),
    };
    let fetched = client
        .fetch_with(&request, None, &want, Some(&record))
        .unwrap();
    assert_eq!(fetched.origin, Origin::Network);
    let calls = calls.into_inner().unwrap();
    let total = Some(BODY as u64);
    assert_eq!(calls.first(), Some(&(0, total)));
    assert_eq!(calls.last(), Some(&(BODY as u64, total)));
    assert!(calls.len() >= 3, "reports mid-body too: {calls:?}");
    for pair in calls[..calls.len() - 1].windows(2) {
        assert!(pair[1].0 - pair[0].0 >= STEP_BYTES, "{calls:?}");
    }

    let again = Mutex::new(Vec::new());
    let record = |done: u64, total: Option<u64>| again.lock().unwrap().push((done, total));
    let fetched = client
        .fetch_with(&request, None, &want, Some(&record))
        .unwrap();
    assert_eq!(fetched.origin, Origin::Cache);
    assert!(again.into_inner().unwrap().is_empty());
}
