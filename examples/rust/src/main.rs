//! Counts the words on stdin (Unicode word boundaries, via a crates.io dependency) and prints
//! the ten most frequent, most frequent first.
use std::collections::HashMap;
use std::io::Read;

use unicode_segmentation::UnicodeSegmentation;

fn main() {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .expect("stdin is not UTF-8 text");
    let mut counts: HashMap<String, usize> = HashMap::new();
    for word in text.unicode_words() {
        *counts.entry(word.to_lowercase()).or_default() += 1;
    }
    let mut ranked: Vec<(String, usize)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    for (word, n) in ranked.into_iter().take(10) {
        println!("{n}\t{word}");
    }
}
