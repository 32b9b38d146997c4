//! The papers' pattern sets drawn from bitmap fonts: 己 已 巳 and the letters A–H.
