//! Zips written byte by byte (stored members), read through [`Parts`] over memory.

use super::directory::{locate, members, metadata_member};
use super::member;
use super::parts::Parts;
use super::{Error, MAX_METADATA, TAIL};
use crate::index::pep440::Version;

/// A zip of stored members, and where its central directory starts.
fn zip(entries: &[(&str, &[u8])]) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        let offset = out.len() as u32;
        let crc = crc32fast::hash(data);
        let header = |sig: u32, central: bool| {
            let mut h = sig.to_le_bytes().to_vec();
            if central {
                h.extend_from_slice(&20u16.to_le_bytes()); // made by
            }
            h.extend_from_slice(&20u16.to_le_bytes()); // needed
            h.extend_from_slice(&0u16.to_le_bytes()); // flags
            h.extend_from_slice(&0u16.to_le_bytes()); // stored
            h.extend_from_slice(&[0; 4]); // time, date
            h.extend_from_slice(&crc.to_le_bytes());
            h.extend_from_slice(&(data.len() as u32).to_le_bytes());
            h.extend_from_slice(&(data.len() as u32).to_le_bytes());
            h.extend_from_slice(&(name.len() as u16).to_le_bytes());
            h.extend_from_slice(&0u16.to_le_bytes()); // extra
            if central {
                h.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
                h.extend_from_slice(&[0; 4]); // external attributes
                h.extend_from_slice(&offset.to_le_bytes());
            }
            h.extend_from_slice(name.as_bytes());
            h
        };
        out.extend(header(0x0403_4b50, false));
        out.extend_from_slice(data);
        central.extend(header(0x0201_4b50, true));
    }
    let cd_offset = out.len();
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    let n = (entries.len() as u16).to_le_bytes();
    out.extend_from_slice(&n);
    out.extend_from_slice(&n);
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&(cd_offset as u32).to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    (out, cd_offset)
}

fn metadata(file: &[u8], name: &str, version: &str) -> Result<Vec<u8>, Error> {
    let mut fetch =
        |start: u64, len: u64| Ok(file[start as usize..(start + len) as usize].to_vec());
    let mut parts = Parts::new(file.len() as u64, &mut fetch);
    let directory = locate(&mut parts, TAIL)?;
    let listing = parts.read(directory.offset, directory.size)?;
    let found = members(&listing, &directory)?;
    let member = metadata_member(&found, name, &Version::parse(version).unwrap())?;
    member::read(&mut parts, member, &directory, MAX_METADATA)
}

#[test]
fn the_projects_own_dist_info_is_read_not_a_vendored_one_that_comes_first() {
    let (file, _) = zip(&[
        ("demo/__init__.py", b""),
        ("vendored-2.0.dist-info/METADATA", b"Name: vendored\n"),
        (
            "Demo_Pkg-1.0.dist-info/METADATA",
            b"Name: demo-pkg\nVersion: 1.0\n",
        ),
    ]);
    let found = metadata(&file, "demo-pkg", "1.0").unwrap();
    assert_eq!(found, b"Name: demo-pkg\nVersion: 1.0\n");
    let missing = metadata(&file, "demo-pkg", "2.0").unwrap_err();
    assert!(
        missing
            .to_string()
            .contains("no demo-pkg-2.0.dist-info/METADATA"),
        "{missing}"
    );
}

#[test]
fn a_central_directory_outside_the_file_is_refused() {
    let (mut file, _) = zip(&[("d-1.0.dist-info/METADATA", b"Name: d\n")]);
    let at = file.len() - 6; // the directory's offset field
    file[at..at + 4].copy_from_slice(&(u32::MAX - 1).to_le_bytes());
    let err = metadata(&file, "d", "1.0").unwrap_err();
    assert!(err.to_string().contains("outside the file"), "{err}");
}

#[test]
fn a_local_header_that_disagrees_with_the_directory_is_refused() {
    let (mut file, _) = zip(&[("d-1.0.dist-info/METADATA", b"Name: d\n")]);
    file[30] = b'e'; // the local header's name: "e-1.0.dist-info/METADATA"
    let err = metadata(&file, "d", "1.0").unwrap_err();
    assert!(err.to_string().contains("names another file"), "{err}");
}

#[test]
fn a_damaged_member_fails_its_crc() {
    let (mut file, _) = zip(&[("d-1.0.dist-info/METADATA", b"Name: d\n")]);
    let data_at = 30 + "d-1.0.dist-info/METADATA".len();
    file[data_at] ^= 0x20;
    let err = metadata(&file, "d", "1.0").unwrap_err();
    assert!(err.to_string().contains("CRC-32"), "{err}");
}

#[test]
fn a_file_that_is_not_a_zip_is_refused() {
    let err = metadata(b"not a zip at all, just some text", "d", "1.0").unwrap_err();
    assert!(err.to_string().contains("not a zip file"), "{err}");
}

#[test]
fn an_end_record_behind_a_long_comment_is_found() {
    let (mut file, _) = zip(&[("d-1.0.dist-info/METADATA", b"Name: d\n")]);
    let comment = vec![b'x'; 65_000];
    let len = file.len();
    file[len - 2..].copy_from_slice(&(comment.len() as u16).to_le_bytes());
    file.extend_from_slice(&comment);
    assert_eq!(metadata(&file, "d", "1.0").unwrap(), b"Name: d\n");
}

#[test]
fn a_read_that_ends_in_the_tail_asks_only_for_what_comes_before_it() {
    let file: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
    let mut asked = Vec::new();
    let mut fetch = |start: u64, len: u64| {
        asked.push((start, len));
        Ok(file[start as usize..(start + len) as usize].to_vec())
    };
    let mut parts = Parts::new(1000, &mut fetch);
    parts.know(800, file[800..].to_vec());
    assert_eq!(parts.read(700, 200).unwrap(), &file[700..900]);
    assert_eq!(parts.read(850, 100).unwrap(), &file[850..950]);
    assert_eq!(parts.fetches, 1);
    drop(parts);
    assert_eq!(asked, [(700, 100)]);
}
