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

    /// The claim above, checked against the host: Node's `toLowerCase` (what the wasm build
    /// calls) gives what the native build gives, for every code point alone and for every
    /// string of up to four pieces that test the final-sigma rule's context (letters,
    /// case-ignorable marks, soft hyphen, apostrophes, `@`, `.`). Needs `node` on the PATH.
    #[test]
    fn the_native_mapping_agrees_with_the_hosts_to_lower_case() {
        use std::io::Write;
        use std::process::{Command, Stdio};
        const PIECES: &[&str] = &["Σ", "Α", "a", ".", "'", "\u{301}", "@", " ", "ß", "İ", "\u{ad}", "\u{200d}", "ς", "\u{345}", "ʼ", "Ὰ"];
        let mut texts: Vec<String> = (0..=0x10FFFF).filter_map(char::from_u32).map(String::from).collect();
        let mut layer = vec![String::new()];
        for _ in 0..4 {
            layer = layer.iter().flat_map(|t| PIECES.iter().map(move |p| format!("{t}{p}"))).collect();
            texts.extend(layer.iter().cloned());
        }
        let mut child = Command::new("node")
            .arg("-e")
            .arg(r#"const t = JSON.parse(require("fs").readFileSync(0, "utf8")); process.stdout.write(JSON.stringify(t.map((s) => s.toLowerCase())));"#)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("node must be on the PATH");
        child.stdin.take().unwrap().write_all(serde_json::to_string(&texts).unwrap().as_bytes()).unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "node failed");
        let host: Vec<String> = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(host.len(), texts.len());
        let differ: Vec<String> = texts
            .iter()
            .zip(&host)
            .filter(|(t, h)| super::lowercase(t) != **h)
            .map(|(t, h)| format!("{t:?}: native {:?}, host {h:?}", super::lowercase(t)))
            .collect();
        assert!(
            differ.is_empty(),
            "{} of {} texts lower-case differently:\n{}",
            differ.len(),
            texts.len(),
            differ[..differ.len().min(20)].join("\n")
        );
    }
}
