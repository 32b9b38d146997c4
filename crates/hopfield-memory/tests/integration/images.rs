//! Images, glyph sets and the recall panel.

use std::path::PathBuf;

use hopfield_memory::glyphs::{
    self, Crop, Font, KANJI, KanjiDistances, LETTERS, Provenance, RenderOptions, Resample,
};
use hopfield_memory::hopfield_core::{Encoding, State, rng_from_seed};
use hopfield_memory::image::{
    self, DynamicImage, FilterType, GrayImage, ImageError, ImageOptions, Luma, PanelLayout,
    Polarity, Threshold,
};
use hopfield_memory::{MemoryError, Patterns};

fn random_state(n: usize, seed: u64) -> State {
    State::random(Encoding::Bipolar, n, &mut rng_from_seed(seed))
}

fn write_gray(dir: &tempfile::TempDir, name: &str, img: &GrayImage) -> PathBuf {
    let path = dir.path().join(name);
    image::save_png(img, &path).unwrap();
    path
}

fn fixed() -> ImageOptions {
    ImageOptions {
        threshold: Threshold::Fixed(127),
        ..ImageOptions::default()
    }
}

#[test]
fn state_png_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let (w, h) = (7u32, 5u32);
    for (seed, polarity) in [(1, Polarity::DarkHigh), (2, Polarity::LightHigh)] {
        let s = random_state(35, seed);
        let path = dir.path().join(format!("state{seed}.png"));
        image::save_state_png(&s, w, h, polarity, &path).unwrap();
        let opts = ImageOptions {
            polarity,
            ..ImageOptions::default()
        };
        // Otsu and a fixed level both recover a black-and-white image exactly.
        for opts in [
            opts,
            ImageOptions {
                threshold: Threshold::Fixed(127),
                ..opts
            },
        ] {
            let back = image::load_state(&path, &opts).unwrap();
            assert_eq!((back.width, back.height), (w, h));
            assert_eq!(back.state, s);
        }
    }
}

#[test]
fn load_patterns_keeps_order_and_size() {
    let dir = tempfile::tempdir().unwrap();
    let states: Vec<State> = (0..3).map(|k| random_state(12, 10 + k)).collect();
    let paths: Vec<PathBuf> = states
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let img = image::state_to_image(s, 4, 3, Polarity::DarkHigh).unwrap();
            write_gray(&dir, &format!("p{k}.png"), &img)
        })
        .collect();
    let set = image::load_patterns(&paths, &fixed()).unwrap();
    assert_eq!((set.width, set.height), (4, 3));
    assert_eq!(set.patterns, Patterns::new(states).unwrap());
}

#[test]
fn jpeg_is_read() {
    // A JPEG of two flat halves (lossy, but far from the threshold).
    let dir = tempfile::tempdir().unwrap();
    let img = GrayImage::from_fn(16, 16, |x, _| Luma([if x < 8 { 20 } else { 235 }]));
    let path = dir.path().join("halves.jpg");
    img.save(&path).unwrap();
    let s = image::load_state(&path, &ImageOptions::default()).unwrap();
    let expected: Vec<bool> = (0..256).map(|i| i % 16 < 8).collect();
    assert_eq!(s.state.to_bits(), expected);
}

#[test]
fn otsu_picks_a_level_between_the_modes() {
    // Bimodal: dark mode 30..=50, light mode 180..=220, unequal class sizes.
    let img = GrayImage::from_fn(40, 30, |x, y| {
        let jitter = ((x * 5 + y * 3) % 21) as u8;
        Luma([if x < 12 {
            30 + jitter
        } else {
            200 + jitter - 20
        }])
    });
    let t = image::otsu_threshold(&img);
    assert!(
        (50..180).contains(&t),
        "Otsu level {t} is not between the modes"
    );
    let s = image::gray_to_state(&img, Threshold::Otsu, Polarity::DarkHigh);
    let ink = s.to_bits().iter().filter(|&&b| b).count();
    assert_eq!(ink, 12 * 30);
}

#[test]
fn resize_changes_dimensions_as_requested() {
    let img = GrayImage::from_fn(28, 28, |x, y| Luma([((x + y) * 4) as u8]));
    let small = image::resize(&img, 10, 7, FilterType::Triangle);
    assert_eq!(small.dimensions(), (10, 7));
    let opts = ImageOptions {
        resize: Some((9, 4)),
        filter: FilterType::Nearest,
        ..ImageOptions::default()
    };
    let s = image::image_to_state(&DynamicImage::ImageLuma8(img), &opts).unwrap();
    assert_eq!((s.width, s.height, s.state.len()), (9, 4, 36));
    // Nearest-neighbour downscaling by 2 of a 2×2 checkerboard of blocks keeps the blocks.
    let blocks = GrayImage::from_fn(8, 8, |x, y| {
        Luma([if (x / 4 + y / 4) % 2 == 0 { 0 } else { 255 }])
    });
    let half = image::resize(&blocks, 4, 4, FilterType::Nearest);
    let expected = GrayImage::from_fn(4, 4, |x, y| {
        Luma([if (x / 2 + y / 2) % 2 == 0 { 0 } else { 255 }])
    });
    assert_eq!(half, expected);
}

#[test]
fn panel_has_expected_size_and_cells() {
    let (w, h) = (3u32, 2u32);
    let stored = State::from_signs(Encoding::Bipolar, &[1, -1, -1, -1, -1, 1]);
    let noisy = State::from_signs(Encoding::Bipolar, &[-1, -1, -1, -1, -1, 1]);
    let recalled = stored.clone();
    let other = State::from_signs(Encoding::Bipolar, &[-1, 1, 1, 1, 1, -1]);
    let layout = PanelLayout {
        scale: 4,
        gap: 2,
        background: 100,
        polarity: Polarity::DarkHigh,
        labels: false,
    };
    let rows = [[&stored, &noisy, &recalled], [&other, &other, &stored]];
    let panel = image::recall_panel(w, h, &rows, &layout).unwrap();
    // 3 cells of 12 px + 4 gaps; 2 rows of 8 px + 3 gaps.
    assert_eq!(panel.dimensions(), (3 * 12 + 4 * 2, 2 * 8 + 3 * 2));
    assert_eq!(
        layout.panel_size(w, h, rows.len()).unwrap(),
        panel.dimensions()
    );
    let px = |x: u32, y: u32| panel.get_pixel(x, y).0[0];
    // Gaps: corners, between columns, between rows.
    assert_eq!(px(0, 0), 100);
    assert_eq!(px(2 + 12, 5), 100);
    assert_eq!(px(5, 2 + 8), 100);
    // Row 0, stored: component 0 (+1) is black over its whole 4×4 block, component 1 white.
    for d in 0..4 {
        assert_eq!(px(2 + d, 2 + d), 0);
        assert_eq!(px(2 + 4 + d, 2 + d), 255);
    }
    // Row 0, noisy (x from 2 + 12 + 2 = 16): component 0 flipped to white.
    assert_eq!(px(16, 2), 255);
    assert_eq!(layout.cell_origin(w, h, 0, 1), (16, 2));
    // Row 1 (y from 2 + 8 + 2 = 12), recalled (x from 30): component 5 at (2, 1) is black.
    assert_eq!(layout.cell_origin(w, h, 1, 2), (30, 12));
    assert_eq!(px(30 + 2 * 4, 12 + 4), 0);
    assert_eq!(px(30 + 2 * 4 + 3, 12 + 4 + 3), 0);
    assert_eq!(px(30, 12), 0);
    assert_eq!(px(30 + 4, 12), 255);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("panel.png");
    image::save_recall_panel(&path, w, h, &rows, &layout).unwrap();
    let read = image::load_image(&path).unwrap().to_luma8();
    assert_eq!(read, panel);
}

/// The header names the columns: ink in each column's header, more for "recalled" (8
/// letters) than for "noisy" (5), none outside the header strip's text rows, none without
/// labels.
#[test]
fn panel_header_names_the_columns() {
    let (w, h) = (16u32, 16u32);
    let s = random_state(256, 3);
    let layout = PanelLayout::default();
    let panel = image::recall_panel(w, h, &[[&s, &s, &s]], &layout).unwrap();
    // Cells of 128 pixels: glyphs scaled by 2 (8 letters × 16 = 128), header 16 + 2.
    assert_eq!(panel.dimensions(), (3 * 128 + 8, 18 + 128 + 4));
    assert_eq!(layout.cell_origin(w, h, 0, 0), (2, 20));
    let ink_in = |x0: u32, x1: u32, y0: u32, y1: u32| {
        (x0..x1)
            .flat_map(|x| (y0..y1).map(move |y| (x, y)))
            .filter(|&(x, y)| panel.get_pixel(x, y).0[0] == 0)
            .count()
    };
    let columns: Vec<usize> = (0..3)
        .map(|c| {
            let (x0, _) = layout.cell_origin(w, h, 0, c);
            ink_in(x0, x0 + 128, 0, 18)
        })
        .collect();
    assert!(columns.iter().all(|&k| k > 0), "{columns:?}");
    assert!(columns[2] > columns[1], "{columns:?}");
    // The gap row between the header and the cells stays background.
    assert_eq!(ink_in(0, panel.width(), 18, 20), 0);
    let plain = PanelLayout {
        labels: false,
        ..layout
    };
    let panel = image::recall_panel(w, h, &[[&s, &s, &s]], &plain).unwrap();
    assert_eq!(panel.dimensions(), (3 * 128 + 8, 128 + 4));
}

/// Sizes are checked before decoding: an image above the pixel limit is refused from its
/// header, with the limit and the ways out in the message.
#[test]
fn images_above_the_pixel_limit_are_refused_before_decoding() {
    let dir = tempfile::tempdir().unwrap();
    let wide = write_gray(&dir, "wide.png", &GrayImage::new(2000, 1000));
    let err = image::load_image_with_limit(&wide, 1 << 20).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(
            err,
            ImageError::TooLarge {
                pixels: 2_000_000,
                limit: 1_048_576,
                ..
            }
        ) && msg.contains("ImageOptions::max_pixels")
            && msg.contains("raise the limit"),
        "{msg}"
    );
    assert_eq!(image::load_image(&wide).unwrap().width(), 2000);
    // The limit applies to the file and to the resized image.
    let opts = ImageOptions {
        resize: Some((40, 20)),
        ..ImageOptions::default()
    };
    assert_eq!(image::load_state(&wide, &opts).unwrap().state.len(), 800);
    let tiny_limit = ImageOptions {
        max_pixels: 100,
        ..opts
    };
    assert!(matches!(
        image::load_state(&wide, &tiny_limit),
        Err(ImageError::TooLarge { .. })
    ));
    // A PNG whose header announces 20000 × 20000 pixels (4·10⁸ neurons) and carries no image
    // data is refused from the header alone.
    let huge = dir.path().join("huge.png");
    std::fs::write(&huge, png_header_only(20_000, 20_000)).unwrap();
    let start = std::time::Instant::now();
    let err = image::load_state(&huge, &ImageOptions::default()).unwrap_err();
    assert!(
        matches!(
            err,
            ImageError::TooLarge {
                pixels: 400_000_000,
                ..
            }
        ),
        "{err}"
    );
    assert!(start.elapsed().as_secs() < 5);
}

/// Two 800×480 images used to make the projection rule allocate 1.18 TB and abort; the size
/// is checked first.
#[test]
fn images_too_large_for_a_dense_network_are_refused_before_learning() {
    let err = image::check_network_size(800, 480, 4096).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(
            err,
            ImageError::TooManyNeurons {
                neurons: 384_000,
                limit: 4096,
                ..
            }
        ) && msg.contains("1179.648 GB")
            && msg.contains("raise the limit"),
        "{msg}"
    );
    assert_eq!(image::check_network_size(64, 40, 4096).unwrap(), 2560);
    assert!(matches!(
        image::check_network_size(0, 5, 4096),
        Err(ImageError::InvalidDimensions { .. })
    ));
}

/// The bytes of a PNG signature, a valid IHDR chunk for an 8-bit gray image and an empty
/// IDAT chunk: a header with no image data.
fn png_header_only(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut chunk = b"IHDR".to_vec();
    chunk.extend(width.to_be_bytes());
    chunk.extend(height.to_be_bytes());
    chunk.extend([8, 0, 0, 0, 0]); // depth 8, gray, deflate, adaptive filter, no interlace
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    png.extend(13u32.to_be_bytes());
    png.extend(&chunk);
    png.extend(crc32(&chunk).to_be_bytes());
    png.extend(0u32.to_be_bytes());
    png.extend(b"IDAT");
    png.extend(crc32(b"IDAT").to_be_bytes());
    png
}

#[test]
fn panel_rejects_wrong_lengths_and_empty() {
    let good = random_state(6, 1);
    let bad = random_state(5, 2);
    let err = image::recall_panel(
        3,
        2,
        &[[&good, &good, &good], [&good, &bad, &good]],
        &PanelLayout::default(),
    )
    .unwrap_err();
    match err {
        ImageError::StateLength {
            label,
            expected,
            found,
        } => {
            assert_eq!((expected, found), (6, 5));
            assert!(
                label.contains("row 1") && label.contains("noisy"),
                "{label}"
            );
        }
        e => panic!("unexpected error {e}"),
    }
    assert!(matches!(
        image::recall_panel(3, 2, &[], &PanelLayout::default()),
        Err(ImageError::Empty)
    ));
    let zero = PanelLayout {
        scale: 0,
        ..PanelLayout::default()
    };
    assert!(matches!(
        image::recall_panel(3, 2, &[[&good, &good, &good]], &zero),
        Err(ImageError::InvalidDimensions { .. })
    ));
    assert!(matches!(
        image::state_to_image(&bad, 3, 2, Polarity::DarkHigh),
        Err(ImageError::StateLength { .. })
    ));
}

#[test]
fn unreadable_and_non_image_files_name_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.png");
    let text = dir.path().join("notes.png");
    std::fs::write(&text, b"this is not an image").unwrap();
    for path in [&missing, &text] {
        match image::load_state(path, &ImageOptions::default()) {
            Err(ImageError::Read { path: p, .. }) => assert_eq!(p, path.display().to_string()),
            other => panic!("expected a read error, got {other:?}"),
        }
    }
    let good = write_gray(&dir, "good.png", &GrayImage::from_pixel(2, 2, Luma([0])));
    match image::load_patterns(&[good, text.clone()], &fixed()) {
        Err(MemoryError::Image(ImageError::Read { path, .. })) => {
            assert_eq!(path, text.display().to_string());
        }
        other => panic!("expected a read error, got {other:?}"),
    }
}

#[test]
fn images_of_different_sizes_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let a = write_gray(&dir, "a.png", &GrayImage::from_pixel(4, 3, Luma([0])));
    let b = write_gray(&dir, "b.png", &GrayImage::from_pixel(4, 3, Luma([255])));
    let c = write_gray(&dir, "c.png", &GrayImage::from_pixel(3, 4, Luma([0])));
    let err = image::load_patterns(&[a.clone(), b.clone(), c.clone()], &fixed()).unwrap_err();
    match err {
        MemoryError::Image(ImageError::SizeMismatch {
            path,
            expected_w,
            expected_h,
            found_w,
            found_h,
        }) => {
            assert_eq!(path, c.display().to_string());
            assert_eq!((expected_w, expected_h, found_w, found_h), (4, 3, 3, 4));
        }
        e => panic!("unexpected error {e}"),
    }
    // A common resize makes the set consistent.
    let opts = ImageOptions {
        resize: Some((5, 5)),
        ..fixed()
    };
    let set = image::load_patterns(&[a, b, c], &opts).unwrap();
    assert_eq!((set.patterns.n(), set.patterns.m()), (25, 3));
    // In memory too.
    let mem = [
        DynamicImage::ImageLuma8(GrayImage::from_pixel(2, 2, Luma([0]))),
        DynamicImage::ImageLuma8(GrayImage::from_pixel(2, 1, Luma([0]))),
    ];
    assert!(matches!(
        image::patterns_from_images(&mem, &fixed()),
        Err(MemoryError::Image(ImageError::SizeMismatch { .. }))
    ));
}

#[test]
fn empty_sets_are_rejected() {
    let none: [PathBuf; 0] = [];
    assert!(matches!(
        image::load_patterns(&none, &fixed()),
        Err(MemoryError::Image(ImageError::Empty))
    ));
    assert!(matches!(
        image::patterns_from_images(&[], &fixed()),
        Err(MemoryError::Image(ImageError::Empty))
    ));
}

#[test]
fn write_errors_name_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no_such_dir").join("x.png");
    let img = GrayImage::from_pixel(2, 2, Luma([0]));
    match image::save_png(&img, &path) {
        Err(ImageError::Write { path: p, .. }) => assert_eq!(p, path.display().to_string()),
        other => panic!("expected a write error, got {other:?}"),
    }
}

// ---- glyph sets ----

fn assert_distinct(p: &Patterns) {
    let d = p.hamming_matrix();
    for a in 0..p.m() {
        for b in 0..p.m() {
            if a != b {
                assert!(d[(a, b)] > 0, "patterns {a} and {b} are equal");
            }
        }
    }
}

#[test]
fn kanji_font_set_shape_and_determinism() {
    for side in [10, 16] {
        let opts = RenderOptions::square(side);
        let set = glyphs::kanji_font_set(&opts).unwrap();
        assert_eq!(set.chars, KANJI.to_vec());
        assert_eq!((set.patterns.m(), set.patterns.n()), (3, side * side));
        assert_eq!(set.provenance, Provenance::FontRendering(Font::Unifont));
        assert_eq!(glyphs::kanji_font_set(&opts).unwrap(), set);
        // Every glyph has ink and blank cells.
        for s in set.patterns.iter() {
            let ink = s.to_bits().iter().filter(|&&b| b).count();
            assert!(ink > 0 && ink < side * side);
        }
    }
}

/// The distances of the font rendering, as measured (recorded in METHODOLOGY.md). The
/// rendering is nested (己 ⊂ 已 ⊂ 巳 in ink), so it cannot give the paper's 1, 1, 2.
#[test]
fn kanji_font_distances_as_measured() {
    let d10 =
        KanjiDistances::of(&glyphs::kanji_font_set(&RenderOptions::square(10)).unwrap()).unwrap();
    let native = RenderOptions {
        crop: Crop::FullCell,
        ..RenderOptions::square(16)
    };
    let d16 = KanjiDistances::of(&glyphs::kanji_font_set(&native).unwrap()).unwrap();
    let d8 =
        KanjiDistances::of(&glyphs::kanji_font_set(&RenderOptions::square(8)).unwrap()).unwrap();
    for d in [d8, d10, d16] {
        // Nested ink: H(己,巳) = H(己,已) + H(已,巳).
        assert_eq!(d.ji_si, d.ji_yi + d.yi_si, "{d:?}");
        assert!(!d.paper_distances_hold(), "{d:?}");
    }
    assert_eq!((d10.ji_yi, d10.ji_si, d10.yi_si), MEASURED_10);
    assert_eq!((d16.ji_yi, d16.ji_si, d16.yi_si), MEASURED_16);
    assert_eq!((d8.ji_yi, d8.ji_si, d8.yi_si), MEASURED_8);
}

/// H(己,已), H(己,巳), H(已,巳) of Unifont 15.1.05 at 10×10 (set ink box, area ½).
const MEASURED_10: (usize, usize, usize) = (1, 3, 2);
/// The same at 8×8: 已 and 己 coincide.
const MEASURED_8: (usize, usize, usize) = (0, 2, 2);
/// The same at the native 16×16 cell.
const MEASURED_16: (usize, usize, usize) = (2, 5, 3);

#[test]
fn kanji_idealized_has_paper_distances() {
    for side in [8, 10, 12, 16] {
        let opts = RenderOptions::square(side);
        let font = glyphs::kanji_font_set(&opts).unwrap();
        let ideal = glyphs::kanji_idealized_set(&opts).unwrap();
        assert_eq!(ideal.provenance, Provenance::IdealizedKanji);
        let d = KanjiDistances::of(&ideal).unwrap();
        assert_eq!((d.ji_yi, d.ji_si, d.yi_si), (1, 1, 2), "grid {side}");
        assert!(d.paper_distances_hold());
        // 己 is the font's; 已 and 巳 only add ink where the font's 巳 has it.
        assert_eq!(ideal.patterns.get(0), font.patterns.get(0));
        let font_si = font.patterns.get(2);
        for u in [1, 2] {
            let s = ideal.patterns.get(u);
            for i in 0..s.len() {
                if s.is_high(i) && !font.patterns.get(0).is_high(i) {
                    assert!(font_si.is_high(i), "grid {side}, pattern {u}, cell {i}");
                }
            }
        }
        // At 10×10 the font's 已 is already 己 plus the bottom cell of the gap.
        if side == 10 {
            assert_eq!(ideal.patterns.get(1), font.patterns.get(1));
            assert_ne!(ideal.patterns.get(2), font.patterns.get(2));
        }
        // Deterministic.
        assert_eq!(glyphs::kanji_idealized_set(&opts).unwrap(), ideal);
    }
}

#[test]
fn letters_are_eight_distinct_patterns() {
    for font in [Font::Font8x8, Font::Unifont] {
        for opts in [
            RenderOptions::default(),
            RenderOptions {
                resample: Resample::Nearest,
                ..RenderOptions::square(8)
            },
        ] {
            let set = glyphs::letters(font, &opts).unwrap();
            assert_eq!(set.chars, LETTERS.to_vec());
            assert_eq!(
                (set.patterns.m(), set.patterns.n()),
                (8, opts.grid_width * opts.grid_height)
            );
            assert_distinct(&set.patterns);
            assert_eq!(glyphs::letters(font, &opts).unwrap(), set);
        }
    }
    let table = glyphs::letters(Font::Font8x8, &RenderOptions::default())
        .unwrap()
        .hamming();
    assert_eq!(table.min_pair(), Some((MIN_LETTERS_10, 'C', 'G')));
    let unifont = glyphs::letters(Font::Unifont, &RenderOptions::default())
        .unwrap()
        .hamming();
    assert_eq!(unifont.min_pair(), Some((8, 'E', 'F')));
}

/// The smallest pairwise distance among A–H (font8x8, 10×10, set ink box, area ½).
const MIN_LETTERS_10: usize = 5;

#[test]
fn glyph_sets_from_arbitrary_chars() {
    let set = glyphs::chars("日 月", &RenderOptions::square(12)).unwrap();
    assert_eq!(set.chars, vec!['日', '月']);
    assert_eq!(set.patterns.n(), 144);
    assert_distinct(&set.patterns);
    // A glyph set draws as a panel.
    let s = set.patterns.get(0);
    let panel = image::recall_panel(12, 12, &[[s, s, s]], &PanelLayout::default()).unwrap();
    // Three 96-pixel cells; a 10-pixel header (8 × 8 glyphs and a gap) above one row.
    assert_eq!(panel.dimensions(), (3 * 96 + 8, 10 + 96 + 4));
    assert!(matches!(
        glyphs::render_set(Font::Font8x8, &['己'], &RenderOptions::default()),
        Err(MemoryError::Image(ImageError::MissingGlyph {
            ch: '己',
            ..
        }))
    ));
}
