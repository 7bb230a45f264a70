//! Unicode lower-casing of emails (VOMO compares them case-insensitively): the one place
//! that decides how. On wasm32 the host's `String.prototype.toLowerCase`
//! (src/web/lowercase.rs), natively `str::to_lowercase`: both are Unicode's default full
//! case mapping (with the final-sigma rule), so the result is the same; the host's keeps
//! core's lower-case table (11 KB) and its code out of the wasm. ASCII-only inputs (CSV
//! headers) use `to_ascii_lowercase` instead.

/// `text` lower-cased by Unicode's default case mapping.
pub fn lowercase(text: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        crate::web::lowercase::lowercase(text)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        text.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn lowercases_beyond_ascii() {
        assert_eq!(super::lowercase("ÄNN.Öz@X.ORG"), "änn.öz@x.org");
        assert_eq!(super::lowercase("ΟΔΟΣ"), "οδος", "final sigma");
    }
}
