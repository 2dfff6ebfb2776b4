//! The answer record: the printed forms of a metadata answer, sealed to its record.
//!
//! ```text
//! sdistill-answer-v1\n
//! <seal>\n                  digest of the METADATA record and everything below
//! <identity>\n              match | mismatch | none (the archive file name's claim)
//! <length of json>\n
//! <json><text>              JSON form (Python's json.dumps(..., indent=2)), text form
//! ```
//!
//! The seal covers the exact bytes of `METADATA` too, so it is the `METADATA` record's
//! checksum as well: the builder reads `METADATA` only through [`read_record`], and a
//! record without an answer, or with one that does not seal it, is damaged (a miss that
//! the builder heals under the shard lock, with a warning).

use std::path::Path;

use super::seal::{is_other_version, read_file, Read};
use crate::cache_key::digest_bytes;

use crate::cache::names::{ANSWER_FILE, RECORD_FILE};

const MAGIC: &str = "sdistill-answer-v1";

/// A sealed answer, as the command line prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub identity: String,
    pub json: String,
    pub text: String,
}

/// The bytes of an answer file for `record` (the `METADATA` text).
pub fn render_answer(record: &str, answer: &Answer) -> String {
    let seal = seal(record, answer);
    format!(
        "{MAGIC}\n{seal}\n{}\n{}\n{}{}",
        answer.identity,
        answer.json.len(),
        answer.json,
        answer.text
    )
}

/// The answer kept in `dir`, if it is whole and sealed to the `METADATA` beside it.
pub fn read_answer(dir: &Path) -> Option<Answer> {
    read_record(dir).found().map(|(_, answer)| answer)
}

/// The `METADATA` record in `dir` and its answer, when the answer's seal vouches for
/// both. Either file alone, or one that fails the seal, is [`Read::Damaged`]; the
/// builder trusts a `METADATA` record only through this.
pub fn read_record(dir: &Path) -> Read<(String, Answer)> {
    let record = read_file::<()>(&dir.join(RECORD_FILE));
    let file = read_file::<()>(&dir.join(ANSWER_FILE));
    let (record, file) = match (record, file) {
        (Ok(record), Ok(file)) => (record, file),
        (Err(Read::Missing), Err(Read::Missing)) => return Read::Missing,
        (Err(Read::Missing), _) | (_, Err(Read::Missing)) => {
            return Read::Damaged("half of it is missing")
        }
        _ => return Read::Damaged("it cannot be read"),
    };
    let (Ok(record), Ok(file)) = (String::from_utf8(record), String::from_utf8(file)) else {
        return Read::Damaged("not text");
    };
    match parse(&file) {
        Ok((seal_found, answer)) if seal(&record, &answer) == seal_found => {
            Read::Found((record, answer))
        }
        Ok(_) => Read::Damaged("its seal does not match"),
        Err(read) => read,
    }
}

fn parse(file: &str) -> Result<(&str, Answer), Read<(String, Answer)>> {
    let damaged = Read::Damaged("the answer is not whole");
    let mut lines = file.splitn(5, '\n');
    match lines.next() {
        Some(MAGIC) => {}
        Some(line) if is_other_version(line, MAGIC) => return Err(Read::Old),
        _ => return Err(damaged),
    }
    let (Some(seal_found), Some(identity), Some(length), Some(rest)) =
        (lines.next(), lines.next(), lines.next(), lines.next())
    else {
        return Err(damaged);
    };
    if !matches!(identity, "match" | "mismatch" | "none") {
        return Err(damaged);
    }
    let Ok(length) = length.parse::<usize>() else {
        return Err(damaged);
    };
    if length > rest.len() || !rest.is_char_boundary(length) {
        return Err(damaged);
    }
    let (json, text) = rest.split_at(length);
    let answer = Answer {
        identity: identity.to_owned(),
        json: json.to_owned(),
        text: text.to_owned(),
    };
    Ok((seal_found, answer))
}

fn seal(record: &str, answer: &Answer) -> String {
    let body = format!(
        "answer\n{}\n{record}\n{}\n{}\n{}{}",
        record.len(),
        answer.identity,
        answer.json.len(),
        answer.json,
        answer.text
    );
    digest_bytes(body.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn sample() -> Answer {
        Answer {
            identity: "match".into(),
            json: "{\n  \"name\": \"x\"\n}".into(),
            text: "x 1\n".into(),
        }
    }

    #[test]
    fn round_trip_and_damage() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("METADATA"), "Name: x\n").unwrap();
        let bytes = render_answer("Name: x\n", &sample());
        fs::write(dir.path().join(ANSWER_FILE), &bytes).unwrap();
        assert_eq!(read_answer(dir.path()), Some(sample()));
        // Any change to the record or the answer breaks the seal.
        fs::write(dir.path().join("METADATA"), "Name: y\n").unwrap();
        assert_eq!(read_answer(dir.path()), None);
        fs::write(dir.path().join("METADATA"), "Name: x\n").unwrap();
        fs::write(
            dir.path().join(ANSWER_FILE),
            bytes.replace("\"x\"", "\"z\""),
        )
        .unwrap();
        assert_eq!(read_answer(dir.path()), None);
        fs::write(dir.path().join(ANSWER_FILE), &bytes[..bytes.len() - 2]).unwrap();
        assert_eq!(read_answer(dir.path()), None);
        fs::write(dir.path().join(ANSWER_FILE), b"\xff\xfe").unwrap();
        assert_eq!(read_answer(dir.path()), None);
        assert!(matches!(read_record(dir.path()), Read::Damaged(_)));
        fs::write(dir.path().join(ANSWER_FILE), &bytes).unwrap();
        assert!(matches!(read_record(dir.path()), Read::Found(_)));
        // METADATA cut short, emptied, or gone: damaged, never served.
        for cut in ["Name: ", ""] {
            fs::write(dir.path().join("METADATA"), cut).unwrap();
            assert!(matches!(read_record(dir.path()), Read::Damaged(_)));
        }
        fs::remove_file(dir.path().join("METADATA")).unwrap();
        assert!(matches!(read_record(dir.path()), Read::Damaged(_)));
        fs::remove_file(dir.path().join(ANSWER_FILE)).unwrap();
        assert_eq!(read_record(dir.path()), Read::Missing);
        fs::write(dir.path().join("METADATA"), "Name: x\n").unwrap();
        fs::write(dir.path().join(ANSWER_FILE), "sdistill-answer-v0\n").unwrap();
        assert_eq!(read_record(dir.path()), Read::Old);
    }
}
