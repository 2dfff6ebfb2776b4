//! The compression layers of tar archives.

use std::io::{self, BufRead, Read};

use flate2::bufread::GzDecoder;

use super::{Error, Format};

/// The decompressed stream of a tar archive read from `input`.
pub(crate) fn tar_stream<'a, R: BufRead + 'a>(
    format: Format,
    input: R,
) -> Result<Box<dyn Read + 'a>, Error> {
    Ok(match format {
        Format::Tar => Box::new(input),
        Format::TarGz => Box::new(GzMembers::new(input)),
        Format::TarBz2 => Box::new(bzip2::bufread::MultiBzDecoder::new(input)),
        Format::TarXz => Box::new(xz2::bufread::XzDecoder::new_multi_decoder(input)),
        Format::TarZst => Box::new(
            zstd::stream::read::Decoder::with_buffer(input)
                .map_err(|err| Error::corrupt(None, format!("zstd: {err}")))?,
        ),
        Format::Zip => unreachable!("zip archives are not streams of tar"),
    })
}

/// A gzip stream of one or more members, each checked against its CRC and length.
/// Zero bytes between or after members are padding (as gzip itself accepts); anything
/// else after a member is an error.
struct GzMembers<R: BufRead> {
    current: Option<GzDecoder<R>>,
}

impl<R: BufRead> GzMembers<R> {
    fn new(input: R) -> Self {
        GzMembers {
            current: Some(GzDecoder::new(input)),
        }
    }
}

impl<R: BufRead> Read for GzMembers<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let Some(decoder) = self.current.as_mut() else {
                return Ok(0);
            };
            let n = decoder.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            let mut input = self
                .current
                .take()
                .map(GzDecoder::into_inner)
                .expect("present");
            loop {
                let available = input.fill_buf()?;
                if available.is_empty() {
                    return Ok(0);
                }
                let zeros = available.iter().take_while(|&&b| b == 0).count();
                let all = zeros == available.len();
                input.consume(zeros);
                if !all {
                    break;
                }
            }
            if input.fill_buf()?.first() != Some(&0x1f) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "trailing data after the gzip stream",
                ));
            }
            self.current = Some(GzDecoder::new(input));
        }
    }
}
