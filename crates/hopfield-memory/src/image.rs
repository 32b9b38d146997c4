//! Patterns from images and back; the recall panel (stored | noisy | recalled).
//!
//! Owned by the images work; see the module docs once written.

/// Errors of image input and output.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// An image file could not be opened or decoded.
    #[error("cannot read image {path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// An image could not be encoded or written.
    #[error("cannot write image {path}: {reason}")]
    Write {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// Images of one set have different sizes.
    #[error(
        "image {path} is {found_w}×{found_h}, expected {expected_w}×{expected_h} like the first image"
    )]
    SizeMismatch {
        /// The file.
        path: String,
        /// Width of the first image.
        expected_w: u32,
        /// Height of the first image.
        expected_h: u32,
        /// Width of this image.
        found_w: u32,
        /// Height of this image.
        found_h: u32,
    },
    /// No images were given.
    #[error("no images were given")]
    Empty,
}
