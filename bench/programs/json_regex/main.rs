//! Parses a JSON document with serde_json and counts words in it with regex: a Rust program
//! using real crates, for the benchmarks.
use regex::Regex;
use serde_json::{json, Value};

fn count_words(pattern: &Regex, text: &str) -> usize {
    let found = pattern.find_iter(text).count(); // BREAK: count_words
    found
}

fn main() {
    let document: Value =
        serde_json::from_str(r#"{"name": "wasm debugging at scale", "tags": ["debug", "dap"], "lines": 3}"#)
            .expect("valid JSON");
    let word = Regex::new(r"[a-z]+").expect("valid pattern");
    let text = document["name"].as_str().unwrap_or_default();
    let words = count_words(&word, text);
    let summary = json!({"words": words, "tags": document["tags"].as_array().map_or(0, |tags| tags.len())});
    println!("{}", summary);
}
