//! The tray icons read on light and on dark panels: around the edge of every icon's shape,
//! there is a pixel that stands out (WCAG contrast ≥ 3:1) against a white panel and one that
//! stands out against a black panel, within a few pixels inward.

use devhive_core::app::TrayState;
use devhive_desktop_lib::shell::tray_icon_bytes;
use tauri::image::Image;

fn luminance([r, g, b]: [u8; 3]) -> f64 {
    let lin = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.040_45 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

fn contrast(a: f64, b: f64) -> f64 {
    (a.max(b) + 0.05) / (a.min(b) + 0.05)
}

/// The share of the shape's edge pixels with a pixel of contrast ≥ 3 against `panel` within
/// `reach` pixels (the shape's own, opaque pixels only).
fn edge_readable(icon: &Image<'_>, panel: f64, reach: i64) -> f64 {
    let (w, h) = (i64::from(icon.width()), i64::from(icon.height()));
    let px = |x: i64, y: i64| -> Option<([u8; 3], u8)> {
        if x < 0 || y < 0 || x >= w || y >= h {
            return None;
        }
        let i = usize::try_from((y * w + x) * 4).ok()?;
        let p = &icon.rgba()[i..i + 4];
        Some(([p[0], p[1], p[2]], p[3]))
    };
    let opaque = |x, y| px(x, y).is_some_and(|(_, a)| a >= 128);
    let (mut edge, mut readable) = (0u32, 0u32);
    for y in 0..h {
        for x in 0..w {
            let on_edge = opaque(x, y)
                && [(1, 0), (-1, 0), (0, 1), (0, -1)]
                    .iter()
                    .any(|(dx, dy)| !opaque(x + dx, y + dy));
            if !on_edge {
                continue;
            }
            edge += 1;
            let stands_out = (-reach..=reach).any(|dy| {
                (-reach..=reach).any(|dx| {
                    px(x + dx, y + dy)
                        .is_some_and(|(rgb, a)| a >= 250 && contrast(luminance(rgb), panel) >= 3.0)
                })
            });
            readable += u32::from(stands_out);
        }
    }
    assert!(edge > 0, "the icon has a shape");
    f64::from(readable) / f64::from(edge)
}

#[test]
fn tray_icons_read_on_light_and_dark_panels() {
    let (white, black) = (luminance([255; 3]), luminance([0; 3]));
    for state in [
        TrayState::Connected,
        TrayState::Reconnecting,
        TrayState::Offline,
        TrayState::NeedsSignIn,
    ] {
        let icon = Image::from_bytes(tray_icon_bytes(state)).expect("a PNG");
        for (panel, name) in [(white, "light"), (black, "dark")] {
            let share = edge_readable(&icon, panel, 3);
            assert!(
                share >= 0.95,
                "{state:?} on a {name} panel: only {:.0} % of its outline stands out",
                share * 100.0
            );
        }
    }
}
