//! The answer record: the printed forms of a metadata answer, sealed to its record.
//!
//! ```text
//! sdistill-answer-v1\n
//! <seal>\n                  digest of the METADATA record and everything below
//! <identity>\n              match | mismatch | none (the archive file name's claim)
//! <length of json>\n
//! <json><text>              JSON form (Python's json.dumps(..., indent=2)), text form
//! ```

use std::fs;
use std::path::Path;

use crate::cache_key::digest_bytes;

/// The answer's file name, beside `METADATA` in a revision's settings directory.
pub const ANSWER_FILE: &str = "answer";
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
    let record = fs::read_to_string(dir.join("METADATA")).ok()?;
    let file = fs::read_to_string(dir.join(ANSWER_FILE)).ok()?;
    let mut lines = file.splitn(5, '\n');
    if lines.next()? != MAGIC {
        return None;
    }
    let seal_found = lines.next()?;
    let identity = lines.next()?;
    if !matches!(identity, "match" | "mismatch" | "none") {
        return None;
    }
    let length: usize = lines.next()?.parse().ok()?;
    let rest = lines.next()?;
    if !rest.is_char_boundary(length.min(rest.len())) || length > rest.len() {
        return None;
    }
    let (json, text) = rest.split_at(length);
    let answer = Answer {
        identity: identity.to_owned(),
        json: json.to_owned(),
        text: text.to_owned(),
    };
    (seal(&record, &answer) == seal_found).then_some(answer)
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
    }
}
