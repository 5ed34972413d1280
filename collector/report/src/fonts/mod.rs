//! The fonts, compiled into the binary: DejaVu Sans regular and bold
//! (version 2.37, Bitstream Vera licence with DejaVu's public-domain
//! changes; the licence is `fonts/LICENSE` beside the crate). The PDF embeds
//! the subsets it uses; the e-mail's PNG charts are drawn with the same
//! faces, so both look alike and need no font on the machine.

/// DejaVu Sans, regular.
pub const DEJAVU_SANS: &[u8] = include_bytes!("../../fonts/DejaVuSans.ttf");
/// DejaVu Sans, bold.
pub const DEJAVU_SANS_BOLD: &[u8] = include_bytes!("../../fonts/DejaVuSans-Bold.ttf");
/// The family name the documents and charts ask for.
pub const FAMILY: &str = "DejaVu Sans";
/// Every embedded face.
pub const ALL: [&[u8]; 2] = [DEJAVU_SANS, DEJAVU_SANS_BOLD];
