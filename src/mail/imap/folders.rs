//! A folder path (`Public/Email Logging/Queue`, `/` between steps) found
//! among the names an IMAP server LISTs, whatever its hierarchy delimiter
//! (`/` or `.`) and namespace (Dovecot's `public`, Cyrus and Exchange
//! shared folders): pure, from the LIST answer. Names compare in any case,
//! as Outlook's do (and INBOX is INBOX in any case, RFC 3501).

use crate::domain::folders::steps;
use crate::mail::FolderEntry;

/// One LISTed mailbox: its name and hierarchy delimiter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub name: String,
    pub delimiter: Option<String>,
}

impl Listed {
    fn steps(&self) -> Vec<&str> {
        match self.delimiter.as_deref().filter(|d| !d.is_empty()) {
            Some(d) => self.name.split(d).collect(),
            None => vec![self.name.as_str()],
        }
    }
}

/// Where a path stops matching: the part found, and the names at that level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// The steps found, as typed (empty: the top).
    pub found: Vec<String>,
    /// The step that is not there.
    pub step: String,
    /// The folders at that level.
    pub there: Vec<String>,
    /// The name to CREATE for the whole path (the delimiter of the level
    /// found, else of the server's first name, else `/`).
    pub create_as: String,
}

fn same(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

fn prefix_of(listed: &[&str], path: &[&str]) -> bool {
    listed.len() <= path.len() && listed.iter().zip(path).all(|(a, b)| same(a, b))
}

/// The server's name of the folder `path` names, or what is missing.
pub fn resolve(path: &str, names: &[Listed]) -> Result<String, Missing> {
    let want = steps(path);
    if let Some(hit) = names.iter().find(|n| {
        let s = n.steps();
        s.len() == want.len() && prefix_of(&s, &want)
    }) {
        return Ok(hit.name.clone());
    }
    // The deepest folder on the way that is there, and what is under it.
    let deepest = names
        .iter()
        .filter(|n| prefix_of(&n.steps(), &want))
        .max_by_key(|n| n.steps().len());
    let depth = deepest.map_or(0, |n| n.steps().len());
    let mut there: Vec<String> = names
        .iter()
        .filter(|n| {
            let s = n.steps();
            s.len() == depth + 1 && prefix_of(&s[..depth], &want)
        })
        .map(|n| crate::domain::text::one_line(n.steps()[depth]))
        .collect();
    there.sort();
    there.dedup();
    let delimiter = deepest
        .or_else(|| names.iter().find(|n| n.delimiter.is_some()))
        .and_then(|n| n.delimiter.clone())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "/".into());
    let create_as = match deepest {
        Some(d) => {
            let mut name = d.name.clone();
            for step in &want[depth..] {
                name.push_str(&delimiter);
                name.push_str(step);
            }
            name
        }
        None => want.join(&delimiter),
    };
    Err(Missing {
        found: want[..depth].iter().map(|s| s.to_string()).collect(),
        step: want.get(depth).map(|s| s.to_string()).unwrap_or_default(),
        there,
        create_as,
    })
}

/// The folders right under the folder `path` names (steps; none: the top),
/// for the folder picker: INBOX first, then by name in any case. A level
/// named only on the way to deeper folders (a namespace's root that is not
/// LISTed itself) is a folder too. `None` when nothing is there.
pub fn level(path: &[String], names: &[Listed]) -> Option<Vec<FolderEntry>> {
    let want: Vec<&str> = path.iter().map(String::as_str).collect();
    let depth = want.len();
    let under: Vec<Vec<&str>> = names
        .iter()
        .map(Listed::steps)
        .filter(|s| s.len() > depth && prefix_of(&s[..depth], &want))
        .collect();
    if under.is_empty()
        && depth > 0
        && !names
            .iter()
            .any(|n| n.steps().len() == depth && prefix_of(&n.steps(), &want))
    {
        return None;
    }
    let mut out: Vec<FolderEntry> = Vec::new();
    for s in &under {
        let name = s[depth];
        let deeper = s.len() > depth + 1;
        match out.iter_mut().find(|e| same(&e.name, name)) {
            Some(e) => e.children |= deeper,
            None => out.push(FolderEntry {
                name: crate::domain::text::one_line(name),
                children: deeper,
                messages: None,
            }),
        }
    }
    out.sort_by_key(|e| (!same(&e.name, "INBOX"), e.name.to_lowercase()));
    Some(out)
}

impl Missing {
    /// What validate and a run say of it.
    pub fn say(&self, what: &str, path: &str) -> String {
        let at = if self.found.is_empty() {
            "the top of the mailbox".to_string()
        } else {
            self.found.join("/")
        };
        format!(
            "the {what} {path} is not there: {at} has no folder '{}' (its folders: {})",
            self.step,
            if self.there.is_empty() {
                "none".to_string()
            } else {
                self.there.join(", ")
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(names: &[(&str, &str)]) -> Vec<Listed> {
        names
            .iter()
            .map(|(n, d)| Listed {
                name: n.to_string(),
                delimiter: Some(d.to_string()),
            })
            .collect()
    }

    #[test]
    fn paths_are_found_whatever_the_delimiter_and_namespace() {
        let dovecot = listed(&[
            ("INBOX", "/"),
            ("Archive", "/"),
            ("Public", "/"),
            ("Public/Email Logging", "/"),
            ("Public/Email Logging/Queue", "/"),
            ("Public/Email Logging/Storage", "/"),
        ]);
        let cyrus = listed(&[("INBOX", "."), ("INBOX.CRM", "."), ("INBOX.CRM.Kø", ".")]);
        // (listing, path, the name found, or the step missing, what is at
        // that level and the name to create).
        type Want<'a> = Result<&'a str, (&'a str, &'a [&'a str], &'a str)>;
        let cases: &[(&[Listed], &str, Want)] = &[
            (
                &dovecot,
                "public/email logging/queue",
                Ok("Public/Email Logging/Queue"),
            ),
            (&dovecot, "inbox", Ok("INBOX")),
            (&cyrus, "INBOX/CRM/KØ", Ok("INBOX.CRM.Kø")),
            (
                &dovecot,
                "Public/Email Logging/Skipped",
                Err((
                    "Skipped",
                    &["Queue", "Storage"],
                    "Public/Email Logging/Skipped",
                )),
            ),
            (
                &dovecot,
                "CRM/Queue",
                Err(("CRM", &["Archive", "INBOX", "Public"], "CRM/Queue")),
            ),
            (
                &cyrus,
                "INBOX/CRM/Logged/2027",
                Err(("Logged", &["Kø"], "INBOX.CRM.Logged.2027")),
            ),
        ];
        for (names, path, want) in cases {
            let got = resolve(path, names);
            match (want, &got) {
                (Ok(w), Ok(g)) => assert_eq!(g, w, "{path}"),
                (Err((step, there, create)), Err(m)) => {
                    assert_eq!(&m.step, step, "{path}");
                    assert_eq!(m.there, *there, "{path}");
                    assert_eq!(&m.create_as, create, "{path}");
                }
                _ => panic!("{path}: {got:?}"),
            }
        }
        let m = resolve("Public/Email Logging/Skipped", &dovecot).unwrap_err();
        assert_eq!(
            m.say("Skipped folder", "Public/Email Logging/Skipped"),
            "the Skipped folder Public/Email Logging/Skipped is not there: Public/Email Logging has no folder 'Skipped' (its folders: Queue, Storage)"
        );
    }

    #[test]
    fn a_level_lists_what_is_right_under_it() {
        let dovecot = listed(&[
            ("Archive", "/"),
            ("INBOX", "/"),
            ("Public/Email Logging", "/"),
            ("Public/Email Logging/Queue", "/"),
            ("Public/Email Logging/Storage", "/"),
            ("Sent", "/"),
        ]);
        let names = |path: &[&str]| {
            let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
            level(&path, &dovecot).map(|l| {
                l.into_iter()
                    .map(|e| format!("{}{}", e.name, if e.children { "/" } else { "" }))
                    .collect::<Vec<_>>()
            })
        };
        // INBOX first; Public, not LISTed itself, is there with its folders.
        assert_eq!(names(&[]).unwrap(), ["INBOX", "Archive", "Public/", "Sent"]);
        assert_eq!(names(&["public"]).unwrap(), ["Email Logging/"]);
        assert_eq!(
            names(&["Public", "Email Logging"]).unwrap(),
            ["Queue", "Storage"]
        );
        assert_eq!(names(&["Sent"]).unwrap(), Vec::<String>::new());
        assert_eq!(names(&["Public", "Nope"]), None);
        let cyrus = listed(&[("INBOX", "."), ("INBOX.CRM", "."), ("INBOX.CRM.Kø", ".")]);
        let path = vec!["INBOX".to_string()];
        let l = level(&path, &cyrus).unwrap();
        assert_eq!(l.len(), 1);
        assert_eq!((l[0].name.as_str(), l[0].children), ("CRM", true));
    }
}
