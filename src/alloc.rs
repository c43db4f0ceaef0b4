//! Fallible allocation of the buffers whose size comes from the data (p × p Grams, n × n
//! kernels, eigenvectors, per-α results): a request the machine cannot meet becomes
//! [`FastregError::OutOfMemory`] naming the buffer and its size, where `vec![0.0; len]` would
//! abort the whole process.

use crate::error::{FastregError, Result};

/// A zeroed `rows × cols` buffer of f64, or `OutOfMemory` naming `what` (e.g. "the Gram
/// matrix of 1000 features") when the size overflows or the allocation fails.
pub(crate) fn try_zeros(
    rows: usize,
    cols: usize,
    what: impl FnOnce() -> String,
) -> Result<Vec<f64>> {
    let mut v = try_with_capacity(rows, cols, what)?;
    v.resize(v.capacity(), 0.0);
    Ok(v)
}

/// An empty buffer with room for exactly `rows × cols` f64, failing as [`try_zeros`].
pub(crate) fn try_with_capacity(
    rows: usize,
    cols: usize,
    what: impl FnOnce() -> String,
) -> Result<Vec<f64>> {
    let too_big = |what: String| FastregError::OutOfMemory {
        what,
        bytes: rows as u128 * cols as u128 * std::mem::size_of::<f64>() as u128,
    };
    let Some(len) = rows.checked_mul(cols) else {
        return Err(too_big(what()));
    };
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| too_big(what()))?;
    Ok(v)
}

/// A copy of `src` (`rows × cols`), failing as [`try_zeros`].
pub(crate) fn try_copy(
    src: &[f64],
    rows: usize,
    cols: usize,
    what: impl FnOnce() -> String,
) -> Result<Vec<f64>> {
    debug_assert_eq!(src.len(), rows * cols);
    let mut v = try_with_capacity(rows, cols, what)?;
    v.extend_from_slice(src);
    Ok(v)
}

/// `bytes` for a person: "8.0 TB", "512.0 MB" (decimal units).
pub(crate) fn human_bytes(bytes: u128) -> String {
    const UNITS: [&str; 7] = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impossible_sizes_are_errors_not_aborts() {
        let p = 1usize << 40;
        let err = try_zeros(p, p, || "the Gram matrix".into()).unwrap_err();
        assert!(matches!(err, FastregError::OutOfMemory { .. }));
        let err = try_zeros(usize::MAX / 16, 1, || "the kernel".into()).unwrap_err();
        assert!(err.to_string().starts_with("the kernel needs"), "{err}");
        assert_eq!(try_zeros(3, 2, String::new).unwrap(), vec![0.0; 6]);
    }

    #[test]
    fn sizes_read_in_decimal_units() {
        assert_eq!(human_bytes(8_000_000_000_000), "8.0 TB");
        assert_eq!(human_bytes(999), "999 bytes");
        assert_eq!(human_bytes(1_500_000), "1.5 MB");
    }
}
