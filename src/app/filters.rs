//! Filters as people type them: a contact, a salesperson or a company by
//! name or by code, in any case. A code or a whole name picks at once; a
//! part of a name picks when it fits exactly one; otherwise the error names
//! the candidates, so the next try is right.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};

use crate::domain::{Contact, Direction, Salesperson};

use super::log::LogView;
use super::{App, AppError, Result};

/// At most this many candidates are named in an error.
const NAMED: usize = 5;

/// The one of `items` that `typed` names by key or name (see the module).
pub fn pick<'a, T>(
    typed: &str,
    items: &'a [T],
    key: impl Fn(&T) -> &str,
    name: impl Fn(&T) -> &str,
    what: (&str, &str),
) -> std::result::Result<&'a T, String> {
    let t = typed.trim().to_lowercase();
    if t.is_empty() {
        return Err(format!("type a {} name or code", what.0));
    }
    if let Some(i) = items.iter().find(|i| key(i).to_lowercase() == t) {
        return Ok(i);
    }
    let whole: Vec<&T> = items
        .iter()
        .filter(|i| name(i).to_lowercase() == t)
        .collect();
    let part: Vec<&T> = items
        .iter()
        .filter(|i| name(i).to_lowercase().contains(&t))
        .collect();
    let found = if whole.is_empty() { part } else { whole };
    match found.as_slice() {
        [one] => Ok(one),
        [] => Err(format!(
            "no {} '{}' (by code or name)",
            what.0,
            crate::domain::text::one_line(typed)
        )),
        many => {
            let named: Vec<String> = many
                .iter()
                .take(NAMED)
                .map(|i| format!("{} ({})", name(i), key(i)))
                .collect();
            Err(format!(
                "'{}' fits {} {}: {}{}; give the code",
                crate::domain::text::one_line(typed),
                many.len(),
                what.1,
                named.join(", "),
                if many.len() > NAMED { ", …" } else { "" }
            ))
        }
    }
}

/// The contact `typed` names by number or name.
pub fn pick_contact<'a>(
    typed: &str,
    contacts: &'a [Contact],
) -> std::result::Result<&'a Contact, String> {
    pick(
        typed,
        contacts,
        |c| &c.no,
        |c| &c.name,
        ("contact", "contacts"),
    )
}

/// The salesperson `typed` names by code or name.
pub fn pick_salesperson<'a>(
    typed: &str,
    salespeople: &'a [Salesperson],
) -> std::result::Result<&'a Salesperson, String> {
    pick(
        typed,
        salespeople,
        |s| &s.code,
        |s| &s.name,
        ("salesperson", "salespeople"),
    )
}

/// The companies the contacts have, each once, in order (none empty).
pub fn companies(contacts: &[Contact]) -> Vec<&str> {
    let mut companies: Vec<&str> = contacts
        .iter()
        .map(|c| c.company.as_str())
        .filter(|c| !c.is_empty())
        .collect();
    companies.sort_unstable();
    companies.dedup();
    companies
}

/// The company (as the contacts have it) `typed` names, whole or in part.
pub fn pick_company(typed: &str, contacts: &[Contact]) -> std::result::Result<String, String> {
    pick(
        typed,
        &companies(contacts),
        |c| c,
        |c| c,
        ("company", "companies"),
    )
    .map(|c| c.to_string())
}

/// The start of a day in `tz`, as a time.
pub fn day_start(d: NaiveDate, tz: FixedOffset) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// A day as typed: `YYYY-MM-DD`.
pub fn parse_day(typed: &str, flag: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(typed.trim(), "%Y-%m-%d").map_err(|_| {
        AppError::Invalid(format!(
            "{flag} '{}' is not a date: write it as YYYY-MM-DD",
            crate::domain::text::one_line(typed)
        ))
    })
}

/// What a command line asks to see of the log, as typed.
#[derive(Debug, Default, Clone)]
pub struct TypedView {
    pub contact: Option<String>,
    pub salesperson: Option<String>,
    pub company: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub direction: Option<Direction>,
    pub search: Option<String>,
}

impl App {
    /// The log view `typed` names, each name or code looked up; days are
    /// whole days in `tz` (`until` included).
    pub fn resolve_view(&self, typed: &TypedView, tz: FixedOffset) -> Result<LogView> {
        let store = self.store()?;
        let invalid = AppError::Invalid;
        let mut view = LogView {
            direction: typed.direction,
            search: typed.search.clone().filter(|s| !s.trim().is_empty()),
            ..Default::default()
        };
        // The contacts are read once, for the contact and the company.
        let contacts = if typed.contact.is_some() || typed.company.is_some() {
            store.contacts()?
        } else {
            Vec::new()
        };
        if let Some(c) = &typed.contact {
            let found = pick_contact(c, &contacts).map_err(invalid)?;
            view.contact_no = Some(found.no.clone());
            view.names.contact = Some(found.name.clone());
        }
        if let Some(s) = &typed.salesperson {
            let people = store.salespeople()?;
            let found = pick_salesperson(s, &people).map_err(invalid)?;
            view.salesperson_code = Some(found.code.clone());
            view.names.salesperson = Some(found.name.clone());
        }
        if let Some(c) = &typed.company {
            view.company = Some(pick_company(c, &contacts).map_err(invalid)?);
        }
        if let Some(d) = &typed.since {
            view.from = day_start(parse_day(d, "--since")?, tz);
        }
        if let Some(d) = &typed.until {
            let day = parse_day(d, "--until")?;
            view.to = day.succ_opt().and_then(|d| day_start(d, tz));
        }
        if let (Some(from), Some(to)) = (view.from, view.to)
            && from >= to
        {
            return Err(AppError::Invalid(
                "--since is after --until: nothing is between them".into(),
            ));
        }
        Ok(view)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::domain::people::test_salesperson as sp;

    #[test]
    fn a_name_or_a_code_in_any_case_picks_one() {
        let people = [
            sp("AH", "Annette Hill"),
            sp("AB", "Anna Berg"),
            sp("ØD", "Øystein Dahl"),
            sp("HILL", "Someone Else"),
        ];
        let p = |t: &str| {
            pick(
                t,
                &people,
                |s| &s.code,
                |s| &s.name,
                ("salesperson", "salespeople"),
            )
            .map(|s| s.code.as_str())
        };
        let cases: &[(&str, std::result::Result<&str, &str>)] = &[
            ("AH", Ok("AH")),
            ("ah", Ok("AH")),
            ("annette hill", Ok("AH")),
            ("øystein", Ok("ØD")),
            ("ØYSTEIN DAHL", Ok("ØD")),
            // A code wins over a part of a name.
            ("hill", Ok("HILL")),
            ("berg", Ok("AB")),
            (
                "ann",
                Err("'ann' fits 2 salespeople: Annette Hill (AH), Anna Berg (AB); give the code"),
            ),
            ("zed", Err("no salesperson 'zed' (by code or name)")),
            ("  ", Err("type a salesperson name or code")),
        ];
        for (typed, want) in cases {
            assert_eq!(p(typed), want.map_err(str::to_string), "{typed:?}");
        }
    }

    #[test]
    fn days_are_whole_local_days() {
        let oslo = FixedOffset::east_opt(3600).unwrap();
        let d = parse_day("2026-11-29", "--since").unwrap();
        assert_eq!(
            day_start(d, oslo).unwrap().to_rfc3339(),
            "2026-11-28T23:00:00+00:00"
        );
        let e = parse_day("29.11.2026", "--since").unwrap_err().to_string();
        assert!(e.contains("write it as YYYY-MM-DD"), "{e}");
    }
}
