//! Counts the words on stdin (Unicode word boundaries) and prints the ten most frequent as a
//! JSON array, most frequent first. Its crates.io dependencies are what the image benchmark
//! caches: serde, serde_json and unicode-segmentation.
use std::collections::HashMap;
use std::io::Read;

use serde::Serialize;
use unicode_segmentation::UnicodeSegmentation;

#[derive(Serialize)]
struct Entry {
    word: String,
    count: usize,
}

fn main() {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .expect("stdin is not UTF-8 text");
    let mut counts: HashMap<String, usize> = HashMap::new();
    for word in text.unicode_words() {
        *counts.entry(word.to_lowercase()).or_default() += 1;
    }
    let mut ranked: Vec<Entry> = counts
        .into_iter()
        .map(|(word, count)| Entry { word, count })
        .collect();
    ranked.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.word.cmp(&b.word)));
    ranked.truncate(10);
    println!("{}", serde_json::to_string(&ranked).expect("serializable"));
}
