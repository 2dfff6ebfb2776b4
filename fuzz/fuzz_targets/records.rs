//! The sealed records read back from a shard. The first byte picks the reader:
//! 0 `METADATA` + `answer` (split at the first NUL; bits 2 and 3 drop either file),
//! 1 a stamp file, 2 a sealed record of another kind, 3 a wheel record + the wheel
//! (split at the first NUL).
#![no_main]

use std::fs;

use libfuzzer_sys::fuzz_target;
use sdistill_core::lookup::seal::{check_wheel, read_sealed, read_stamp, wheel_record_path};
use sdistill_core::lookup::{read_answer, read_record, ANSWER_FILE, RECORD_FILE};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (first, second) = match rest.iter().position(|&b| b == 0) {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, &[][..]),
    };
    match mode & 3 {
        0 => {
            if mode & 4 == 0 {
                fs::write(dir.path().join(RECORD_FILE), first).expect("written");
            }
            if mode & 8 == 0 {
                fs::write(dir.path().join(ANSWER_FILE), second).expect("written");
            }
            let read = read_record(dir.path());
            let answer = read_answer(dir.path());
            assert_eq!(read.clone().found().map(|(_, a)| a), answer);
            std::hint::black_box(read.status());
        }
        1 => {
            let path = dir.path().join("stamp");
            fs::write(&path, rest).expect("written");
            std::hint::black_box(read_stamp(&path).status());
        }
        2 => {
            for kind in ["environment", "fuzz", ""] {
                std::hint::black_box(read_sealed(kind, rest).status());
            }
        }
        _ => {
            let wheel = dir.path().join("fuzz-1.0-py3-none-any.whl");
            fs::write(wheel_record_path(&wheel), first).expect("written");
            fs::write(&wheel, second).expect("written");
            std::hint::black_box(check_wheel(&wheel).status());
        }
    }
});
