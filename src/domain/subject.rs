//! A subject as a conversation's key: the reply and forward prefixes that
//! mail programs in our users' languages put in front ("RE:", "SV:", "AW:",
//! "VS:", "Antw:", "RE[2]:" …) and the tags mail gateways add ("[EXT]")
//! taken away, case and spacing folded. Two messages between the same
//! people with the same key within 30 days are one conversation when
//! nothing better (a conversation id shared) says so.

/// Reply and forward prefixes, compared without case: English, the
/// Scandinavian languages, German, Dutch, French, Spanish, Portuguese,
/// Italian, Polish, Finnish, Turkish.
const PREFIXES: &[&str] = &[
    "re", "fw", "fwd", "sv", "vs", "vb", "aw", "wg", "antw", "doorst", "tr", "rv", "res", "enc",
    "rif", "i", "r", "odp", "pd", "vl", "vast", "ynt", "ilt",
];

/// The key of `subject`: empty when nothing but prefixes is left (an empty
/// key matches nothing).
pub fn subject_key(subject: &str) -> String {
    let mut rest = subject.trim();
    // Each pass takes a prefix or a tag away or ends the loop: it ends
    // within as many passes as the subject has characters.
    loop {
        let before = rest.len();
        rest = strip_tag(rest).trim_start();
        rest = strip_prefix(rest).trim_start();
        if rest.len() == before {
            break;
        }
    }
    // Words lower-cased and joined by one space, into one string.
    let mut key = String::with_capacity(rest.len());
    for word in rest.split_whitespace() {
        if !key.is_empty() {
            key.push(' ');
        }
        if word.is_ascii() {
            key.extend(word.chars().map(|c| c.to_ascii_lowercase()));
        } else {
            key.push_str(&word.to_lowercase());
        }
    }
    key
}

/// Whether `subject` starts with a reply or forward prefix (after any
/// gateway tags): a message that says it answers another.
pub fn is_reply(subject: &str) -> bool {
    let mut rest = subject.trim_start();
    loop {
        let untagged = strip_tag(rest).trim_start();
        if untagged.len() == rest.len() {
            break;
        }
        rest = untagged;
    }
    strip_prefix(rest).len() != rest.len()
}

/// A leading gateway tag: `[EXT]`, `[External]`, `[SPAM?]` (up to 24
/// characters inside the brackets).
fn strip_tag(s: &str) -> &str {
    let Some(inner) = s.strip_prefix('[') else {
        return s;
    };
    match inner.find(']') {
        Some(end) if inner[..end].chars().count() <= 24 => &inner[end + 1..],
        _ => s,
    }
}

/// A leading prefix with its colon: `Re:`, `SV :`, `RE[2]:`, `Re(3):`,
/// and the full-width colon some Asian mail programs write.
fn strip_prefix(s: &str) -> &str {
    let word_end = s
        .char_indices()
        .find(|(_, c)| !c.is_alphabetic())
        .map_or(s.len(), |(i, _)| i);
    let word = &s[..word_end];
    if !PREFIXES.iter().any(|p| p.eq_ignore_ascii_case(word)) {
        return s;
    }
    let mut rest = &s[word_end..];
    // A count: "[2]" or "(2)".
    for (open, close) in [('[', ']'), ('(', ')')] {
        if let Some(inner) = rest.strip_prefix(open)
            && let Some(end) = inner.find(close)
            && end <= 4
            && inner[..end].chars().all(|c| c.is_ascii_digit())
        {
            rest = &inner[end + 1..];
        }
    }
    let rest = rest.trim_start();
    rest.strip_prefix(':')
        .or_else(|| rest.strip_prefix('：'))
        .unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_tags_go_and_the_rest_is_folded() {
        for (subject, key) in [
            ("Quote for 40 chairs", "quote for 40 chairs"),
            ("RE: Quote for 40 chairs", "quote for 40 chairs"),
            ("Re: re: RE:Quote  for 40\tchairs ", "quote for 40 chairs"),
            ("SV: Tilbud på stoler", "tilbud på stoler"),
            ("VS: SV: Tilbud på stoler", "tilbud på stoler"),
            ("AW: WG: Angebot Stühle", "angebot stühle"),
            ("Antw: Offerte", "offerte"),
            ("TR: RE: Devis", "devis"),
            ("RV: Presupuesto", "presupuesto"),
            ("Fwd: FW: Quote", "quote"),
            ("RE[2]: Quote", "quote"),
            ("Re(3): Quote", "quote"),
            ("SV : Tilbud", "tilbud"),
            ("[EXT] RE: Quote", "quote"),
            ("RE: [External] SV: Quote", "quote"),
            ("回复：报价", "回复：报价"),
            ("RE：Quote", "quote"),
            ("ÆRLIG TALT: Øl", "ærlig talt: øl"),
            // A word that only looks like a prefix is the subject.
            ("Re-order of chairs", "re-order of chairs"),
            ("Resale: terms", "resale: terms"),
            ("Ivar: ring meg", "ivar: ring meg"),
            ("I: Inoltro", "inoltro"),
            // A bracket that is part of the subject stays.
            (
                "[this is a very long bracketed subject part] x",
                "[this is a very long bracketed subject part] x",
            ),
            ("RE:", ""),
            ("", ""),
            ("   ", ""),
        ] {
            assert_eq!(subject_key(subject), key, "{subject:?}");
        }
    }

    #[test]
    fn a_reply_says_so_in_its_subject() {
        for (subject, reply) in [
            ("Quote", false),
            ("RE: Quote", true),
            ("[EXT] SV: Quote", true),
            ("[EXT] Quote", false),
            ("Re-order", false),
            ("", false),
        ] {
            assert_eq!(is_reply(subject), reply, "{subject:?}");
        }
    }

    #[test]
    fn a_subject_of_nothing_but_prefixes_ends() {
        let s = "RE: ".repeat(10_000);
        assert_eq!(subject_key(&s), "");
        assert_eq!(subject_key(&format!("{s}Quote")), "quote");
    }
}
