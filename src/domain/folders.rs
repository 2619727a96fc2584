//! A mailbox's three folders as the admin gives them: the queue folder mail
//! is read from, the storage folder logged mail is kept in, and the Skipped
//! folder. Each is a path (`CRM/Queue`, `Public/Email Logging/Queue`) whose
//! first step may be a Graph well-known name (`inbox`, `archive`,
//! `inbox/CRM`); empty is the default. Pure: checking and splitting paths.
//! Whether a folder exists is the mail source's question (validate).

/// Which of the three folders a path is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FolderRole {
    Queue,
    Storage,
    Skip,
}

impl FolderRole {
    pub fn label(self) -> &'static str {
        match self {
            FolderRole::Queue => "queue folder",
            FolderRole::Storage => "storage folder",
            FolderRole::Skip => "Skipped folder",
        }
    }

    /// Its `setup set` flag's middle: `--{flag}-folder`.
    pub fn flag(self) -> &'static str {
        match self {
            FolderRole::Queue => "queue",
            FolderRole::Storage => "storage",
            FolderRole::Skip => "skip",
        }
    }

    /// How to mend a path of this role that names no folder: fix it, or
    /// (never for the queue) have validate make the folder.
    pub fn path_fix(self) -> String {
        format!(
            "fix the path with `emaillog setup set --{}-folder PATH`{}",
            self.flag(),
            if self == FolderRole::Queue {
                ""
            } else {
                ", or make it with `emaillog validate --create-folders`"
            }
        )
    }

    /// What an empty path means.
    pub fn default_name(self) -> &'static str {
        match self {
            FolderRole::Queue => "Inbox",
            FolderRole::Storage => "Archive",
            FolderRole::Skip => "Skipped",
        }
    }
}

/// Graph's well-known folder names (msgraph `mailFolder` docs): a first
/// step that is one of these names that folder, in any language.
pub const WELL_KNOWN: &[&str] = &[
    "archive",
    "clutter",
    "conflicts",
    "conversationhistory",
    "deleteditems",
    "drafts",
    "inbox",
    "junkemail",
    "localfailures",
    "msgfolderroot",
    "outbox",
    "recoverableitemsdeletions",
    "scheduled",
    "searchfolders",
    "sentitems",
    "serverfailures",
    "syncissues",
];

/// Folders mail must never be read from: junk, deleted, drafts, sent and
/// outgoing mail, by well-known name and by the names Outlook, Dovecot and
/// Norwegian Outlook give them (the mail source also checks the folder it
/// finds by its special use).
const NEVER_QUEUE: &[&str] = &[
    "junkemail",
    "deleteditems",
    "drafts",
    "sentitems",
    "outbox",
    "recoverableitemsdeletions",
    "junk",
    "junk email",
    "junk e-mail",
    "spam",
    "deleted items",
    "trash",
    "sent",
    "sent items",
    "sent mail",
    "søppelpost",
    "slettede elementer",
    "utkast",
    "sendte elementer",
    "utboks",
];

/// The most steps a path may have, and characters a step may hold.
pub const MAX_DEPTH: usize = 16;
pub const MAX_STEP_CHARS: usize = 255;

/// The steps of a checked path (`/` between them).
pub fn steps(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

/// A well-known name when `step` is one (lower case), for the first step.
pub fn well_known(step: &str) -> Option<&'static str> {
    let lower = step.to_lowercase();
    WELL_KNOWN.iter().copied().find(|w| *w == lower)
}

/// Checks a folder path typed for `role`; returns it as stored: steps
/// trimmed, one `/` between them, empty for the default. Says what is wrong
/// and how to write it otherwise.
pub fn check_folder(role: FolderRole, text: &str) -> Result<String, String> {
    let text = text.trim().trim_matches('/');
    if text.is_empty() || text.eq_ignore_ascii_case(role.default_name()) && role != FolderRole::Skip
    {
        return Ok(String::new());
    }
    let mut out = Vec::new();
    for raw in text.split('/') {
        let step = raw.trim();
        if step.is_empty() {
            return Err(format!(
                "{} '{text}' has an empty step: write folders as Parent/Child, one / between them",
                role.label()
            ));
        }
        if step
            .chars()
            .any(|c| c.is_control() || crate::domain::text::is_bidi_control(c))
        {
            return Err(format!(
                "{} '{}' holds a control character: type the folder's name as Outlook shows it",
                role.label(),
                crate::domain::text::one_line(text)
            ));
        }
        if step.chars().count() > MAX_STEP_CHARS {
            return Err(format!(
                "{}: a folder name is at most {MAX_STEP_CHARS} characters",
                role.label()
            ));
        }
        out.push(step);
    }
    if out.len() > MAX_DEPTH {
        return Err(format!(
            "{} '{text}' is {} folders deep; at most {MAX_DEPTH}",
            role.label(),
            out.len()
        ));
    }
    if role == FolderRole::Queue && out.iter().any(|s| never_queue(s)) {
        return Err(format!(
            "the queue folder cannot be '{text}': mail is never read from junk, deleted, draft or sent mail; give the folder the mail flow rule delivers to"
        ));
    }
    Ok(out.join("/"))
}

/// Whether a folder name is one mail must never be read from.
pub fn never_queue(name: &str) -> bool {
    let lower = name.trim().to_lowercase();
    NEVER_QUEUE.contains(&lower.as_str())
}

/// The path as shown: the default's name when empty.
pub fn shown(role: FolderRole, path: &str) -> String {
    if path.is_empty() {
        format!("{} (default)", role.default_name())
    } else {
        path.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_checked_and_kept_in_one_form() {
        use FolderRole::*;
        let cases: &[(FolderRole, &str, Result<&str, &str>)] = &[
            (Queue, "", Ok("")),
            (Queue, "Inbox", Ok("")),
            (Storage, "archive", Ok("")),
            (Skip, "Skipped", Ok("Skipped")),
            (Queue, " CRM / Queue ", Ok("CRM/Queue")),
            (
                Queue,
                "/Public/Email Logging/Queue/",
                Ok("Public/Email Logging/Queue"),
            ),
            (Storage, "inbox/Logged", Ok("inbox/Logged")),
            (Queue, "CRM//Queue", Err("empty step")),
            (Queue, "Junk Email", Err("never read")),
            (Queue, "junkemail", Err("never read")),
            (Queue, "Archive/Sent Items", Err("never read")),
            (Queue, "Søppelpost", Err("never read")),
            (Storage, "Deleted Items", Ok("Deleted Items")),
            (Queue, "CRM/Qu\u{202e}eue", Err("control character")),
            (Queue, "CRM/\u{7}", Err("control character")),
        ];
        for (role, text, want) in cases {
            let got = check_folder(*role, text);
            match (want, &got) {
                (Ok(w), Ok(g)) => assert_eq!(g, w, "{text}"),
                (Err(w), Err(g)) => assert!(g.contains(w), "{text}: {g}"),
                _ => panic!("{text}: {got:?}, wanted {want:?}"),
            }
        }
        let deep = vec!["a"; MAX_DEPTH + 1].join("/");
        assert!(check_folder(Storage, &deep).unwrap_err().contains("deep"));
        let long = "x".repeat(MAX_STEP_CHARS + 1);
        assert!(
            check_folder(Storage, &long)
                .unwrap_err()
                .contains("at most")
        );
    }

    #[test]
    fn steps_and_well_known_names() {
        assert_eq!(steps("inbox/CRM/Queue"), ["inbox", "CRM", "Queue"]);
        assert_eq!(well_known("Inbox"), Some("inbox"));
        assert_eq!(well_known("CRM"), None);
        assert_eq!(shown(FolderRole::Storage, ""), "Archive (default)");
        assert_eq!(shown(FolderRole::Queue, "CRM/Queue"), "CRM/Queue");
    }
}
