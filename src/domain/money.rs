//! Amounts of money (an opportunity's estimated value): whole minor units
//! (cents, øre) in an integer, never a float, so that what was typed is
//! what is stored and shown, with a stated maximum instead of a silent
//! overflow.
//!
//! Typing is forgiving about the ways people write amounts in Europe:
//! thousands grouped with spaces (`12 500,50`), commas (`12,500.50`) or dots
//! (`12.500,50`), a comma or a dot as the decimal mark, and the exponent of
//! a spreadsheet (`1e9`). Where a text could mean two amounts (`1.500`: one
//! and a half, or fifteen hundred?) it is refused with both readings named.

use std::fmt;

/// Minor units in a unit.
const MINOR: i128 = 100;
/// The largest amount kept: 999,999,999,999.99.
pub const MAX_MINOR: i64 = 99_999_999_999_999;
/// Digits read from a typed amount at most (beyond any real amount).
const MAX_DIGITS: usize = 40;

/// An amount of zero or more, in minor units (two decimals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

impl Money {
    /// `None` outside 0..=[`MAX_MINOR`].
    pub fn from_minor(minor: i64) -> Option<Money> {
        (0..=MAX_MINOR).contains(&minor).then_some(Money(minor))
    }

    pub fn minor(self) -> i64 {
        self.0
    }

    /// Reads an amount as typed; the error says what is wrong and how to
    /// write it.
    pub fn parse(typed: &str) -> Result<Money, String> {
        let t = typed.trim();
        let shown = crate::domain::text::one_line(t);
        if t.is_empty() {
            return Err("type an amount, like 12500 or 12,500.50".into());
        }
        if let Some(rest) = t.strip_prefix('-')
            && !rest.trim().is_empty()
        {
            return Err("the value cannot be negative".into());
        }
        let t = t.strip_prefix('+').unwrap_or(t);
        let not_amount = || format!("'{shown}' is not an amount (like 12500 or 12,500.50)");
        let (mantissa, exponent) = match t.find(['e', 'E']) {
            Some(i) => {
                let e: i32 = t[i + 1..].parse().map_err(|_| not_amount())?;
                if !(-30..=30).contains(&e) {
                    return Err(too_large());
                }
                (&t[..i], e)
            }
            None => (t, 0),
        };
        let (whole, fraction) = split_decimal(mantissa).map_err(|e| match e {
            Split::Ambiguous(a, b) => format!(
                "'{shown}' could be {a} or {b}: write it without the dot, or with two decimals"
            ),
            Split::Invalid => not_amount(),
        })?;
        if whole.is_empty() && fraction.is_empty()
            || whole.len() + fraction.len() > MAX_DIGITS
            || !whole
                .chars()
                .chain(fraction.chars())
                .all(|c| c.is_ascii_digit())
        {
            return Err(not_amount());
        }
        // The digits as one integer, and the power of ten that scales them
        // to minor units.
        let digits: String = whole.chars().chain(fraction.chars()).collect();
        let digits = digits.trim_start_matches('0');
        let scale = exponent + 2 - fraction.len() as i32;
        let minor = scaled(digits, scale)?;
        Money::from_minor(minor).ok_or_else(too_large)
    }
}

fn too_large() -> String {
    format!("at most {}", Money(MAX_MINOR))
}

/// `digits × 10^scale`, refused when it has more than two decimals or is
/// larger than the maximum.
fn scaled(digits: &str, scale: i32) -> Result<i64, String> {
    if digits.is_empty() {
        return Ok(0);
    }
    let (kept, dropped) = if scale < 0 {
        let cut = digits.len().saturating_sub(scale.unsigned_abs() as usize);
        digits.split_at(cut)
    } else {
        (digits, "")
    };
    if dropped.chars().any(|c| c != '0') {
        return Err("at most two decimals".into());
    }
    let zeros = scale.max(0) as usize;
    if kept.len() + zeros > 18 {
        return Err(too_large());
    }
    let mut v: i128 = if kept.is_empty() {
        0
    } else {
        kept.parse().map_err(|_| too_large())?
    };
    for _ in 0..zeros {
        v *= 10;
    }
    i64::try_from(v).map_err(|_| too_large())
}

enum Split {
    Invalid,
    /// The two amounts the text could be.
    Ambiguous(String, String),
}

/// The whole and fractional digits of a mantissa, its grouping removed.
fn split_decimal(m: &str) -> Result<(String, String), Split> {
    let m: String = m
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '_' | '\''))
        .collect();
    let commas = m.matches(',').count();
    let dots = m.matches('.').count();
    let strip = |s: &str, sep: char| s.chars().filter(|c| *c != sep).collect::<String>();
    let at_last = |sep: char, group: char| -> Result<(String, String), Split> {
        let i = m.rfind(sep).unwrap_or(m.len());
        if m[..i].contains(sep) || m[i + 1..].contains(group) {
            return Err(Split::Invalid);
        }
        Ok((strip(&m[..i], group), m[i + 1..].to_string()))
    };
    match (commas, dots) {
        (0, 0) => Ok((m.clone(), String::new())),
        // Both: the last one is the decimal mark.
        (_, _) if commas > 0 && dots > 0 => {
            if m.rfind('.') > m.rfind(',') {
                at_last('.', ',')
            } else {
                at_last(',', '.')
            }
        }
        // One mark, used more than once: grouping.
        (c, 0) if c > 1 => Ok((strip(&m, ','), String::new())),
        (0, d) if d > 1 => Ok((strip(&m, '.'), String::new())),
        // One comma: three digits after it group thousands (12,500), fewer
        // are decimals (12,50).
        (1, 0) => {
            let (w, f) = m.split_once(',').unwrap_or((&m, ""));
            if f.len() == 3 {
                Ok((format!("{w}{f}"), String::new()))
            } else {
                Ok((w.to_string(), f.to_string()))
            }
        }
        // One dot: a decimal point, unless it could group thousands too
        // (1 to 3 digits before it, not starting with 0, and 3 after).
        _ => {
            let (w, f) = m.split_once('.').unwrap_or((&m, ""));
            if f.len() == 3 && (1..=3).contains(&w.len()) && !w.starts_with('0') {
                let small = format!("{w}.{f}");
                let large = format!("{w}{f}");
                Err(Split::Ambiguous(small, large))
            } else {
                Ok((w.to_string(), f.to_string()))
            }
        }
    }
}

/// `1,000,000,000.00`: grouped by thousands, always two decimals.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never negative (see `from_minor`).
        let whole = super::text::grouped((self.0 as i128 / MINOR) as u64);
        write!(f, "{whole}.{:02}", self.0 as i128 % MINOR)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_as_typed_in_european_ways() {
        let cases: &[(&str, i64)] = &[
            ("0", 0),
            ("12500", 1_250_000),
            ("12,500", 1_250_000),
            ("12,500.50", 1_250_050),
            ("12 500,50", 1_250_050),
            ("12\u{a0}500,5", 1_250_050),
            ("12.500,50", 1_250_050),
            ("1.000.000", 100_000_000),
            ("1,000,000", 100_000_000),
            ("12,5", 1_250),
            ("12.5", 1_250),
            ("0.07", 7),
            ("1234.500", 123_450),
            (".5", 50),
            ("1e9", 100_000_000_000),
            ("1.5E3", 150_000),
            ("2.5e-1", 25),
            ("+40", 4_000),
            ("999999999999.99", MAX_MINOR),
            ("007", 700),
        ];
        for (typed, minor) in cases {
            assert_eq!(
                Money::parse(typed).map(Money::minor),
                Ok(*minor),
                "{typed:?}"
            );
        }
    }

    #[test]
    fn what_does_not_fit_is_refused_as_typed() {
        let cases: &[(&str, &str)] = &[
            ("99999999999999999999999", "at most 999,999,999,999.99"),
            ("1000000000000", "at most 999,999,999,999.99"),
            ("1e23", "at most"),
            ("1e99999", "at most"),
            ("1.234", "could be 1.234 or 1234"),
            ("12.505", "could be"),
            ("0.005", "at most two decimals"),
            ("1e-3", "at most two decimals"),
            ("-5", "cannot be negative"),
            ("abc", "is not an amount"),
            ("1,2,3.4.5", "is not an amount"),
            ("12.5,00.1", "is not an amount"),
            ("1e", "is not an amount"),
            ("NaN", "is not an amount"),
            ("inf", "is not an amount"),
            ("", "type an amount"),
            (&"9".repeat(500), "is not an amount"),
        ];
        for (typed, says) in cases {
            let e = Money::parse(typed).expect_err(typed);
            assert!(e.contains(says), "{typed:?}: {e}");
        }
    }

    #[test]
    fn amounts_show_grouped_with_two_decimals() {
        let cases: &[(i64, &str)] = &[
            (0, "0.00"),
            (7, "0.07"),
            (1_250_050, "12,500.50"),
            (100_000_000_000, "1,000,000,000.00"),
            (MAX_MINOR, "999,999,999,999.99"),
        ];
        for (minor, shown) in cases {
            assert_eq!(Money::from_minor(*minor).unwrap().to_string(), *shown);
        }
        assert_eq!(Money::from_minor(MAX_MINOR + 1), None);
        assert_eq!(Money::from_minor(-1), None);
    }
}
