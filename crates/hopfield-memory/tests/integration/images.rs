//! Images, glyph sets and the recall panel.
