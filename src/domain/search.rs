//! What a user types into search, as an FTS5 query and as the words to
//! highlight. Typed text is never passed to FTS5 as syntax: every word is
//! quoted, so `"`, `(`, `NEAR` or `-` cannot make the query fail or mean
//! something else. A word ending in `*` matches as a prefix.

/// One word of a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// Lower case, letters and digits only (as FTS5's unicode61 tokenizer
    /// splits text).
    pub word: String,
    pub prefix: bool,
}

/// The words of a search, in the order typed, each once.
pub fn terms(typed: &str) -> Vec<Term> {
    let mut out: Vec<Term> = Vec::new();
    for raw in typed.split_whitespace() {
        let prefix = raw.ends_with('*');
        // "e-mail" is two tokens to FTS5: keep both.
        for word in raw
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            let t = Term {
                word: word.to_lowercase(),
                prefix: prefix && raw.trim_end_matches('*').ends_with(word),
            };
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out
}

/// The FTS5 query for what was typed (all words must match); `None` when it
/// has no words.
pub fn fts_query(typed: &str) -> Option<String> {
    let t = terms(typed);
    if t.is_empty() {
        return None;
    }
    Some(
        t.iter()
            .map(|t| format!("\"{}\"{}", t.word, if t.prefix { "*" } else { "" }))
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// `text` cut into pieces, each marked whether it is a matched word.
pub fn highlight<'a>(text: &'a str, terms: &[Term]) -> Vec<(&'a str, bool)> {
    if terms.is_empty() {
        return vec![(text, false)];
    }
    let mut out: Vec<(&'a str, bool)> = Vec::new();
    let mut plain_from = 0;
    let mut word_start: Option<usize> = None;
    let push_word = |out: &mut Vec<(&'a str, bool)>, plain_from: &mut usize, s: usize, e: usize| {
        let word = &text[s..e];
        let lower = word.to_lowercase();
        if terms
            .iter()
            .any(|t| lower == t.word || (t.prefix && lower.starts_with(&t.word)))
        {
            if *plain_from < s {
                out.push((&text[*plain_from..s], false));
            }
            out.push((word, true));
            *plain_from = e;
        }
    };
    for (i, c) in text.char_indices() {
        match (c.is_alphanumeric(), word_start) {
            (true, None) => word_start = Some(i),
            (false, Some(s)) => {
                push_word(&mut out, &mut plain_from, s, i);
                word_start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = word_start {
        push_word(&mut out, &mut plain_from, s, text.len());
    }
    if plain_from < text.len() {
        out.push((&text[plain_from..], false));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_becomes_quoted_words() {
        let cases: &[(&str, Option<&str>)] = &[
            ("budget", Some("\"budget\"")),
            ("Budget  Q3", Some("\"budget\" \"q3\"")),
            ("renew*", Some("\"renew\"*")),
            ("\"quote\" OR (x", Some("\"quote\" \"or\" \"x\"")),
            ("e-mail", Some("\"e\" \"mail\"")),
            ("NEAR(a b)", Some("\"near\" \"a\" \"b\"")),
            ("Überweisung", Some("\"überweisung\"")),
            ("  * - ", None),
            ("", None),
        ];
        for (typed, want) in cases {
            assert_eq!(fts_query(typed).as_deref(), *want, "{typed:?}");
        }
    }

    #[test]
    fn matched_words_are_marked_whole_or_as_prefix() {
        let t = terms("price renew*");
        let marked: Vec<(&str, bool)> = highlight("Prices: the PRICE to renewal, price.", &t);
        assert_eq!(
            marked,
            vec![
                ("Prices: the ", false),
                ("PRICE", true),
                (" to ", false),
                ("renewal", true),
                (", ", false),
                ("price", true),
                (".", false),
            ]
        );
        assert_eq!(highlight("nothing here", &t), vec![("nothing here", false)]);
        assert_eq!(highlight("x", &[]), vec![("x", false)]);
    }
}
