//! The demo organisation: Contoso's shared logging mailbox, its salespeople,
//! its customers' contacts, and a believable stream of mail between them,
//! including mail that must not be logged.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::seq::IndexedRandom;
use serde_json::{Value, json};

pub const DEMO_MAILBOX: &str = "crm-log@contoso.example";
/// The demo's second logging mailbox, set up as the older experience: mail
/// read from a queue folder and kept in a storage folder.
pub const DEMO_NORDIC_MAILBOX: &str = "crm-nordic@contoso.example";
pub const DEMO_QUEUE: &str = "Email Logging/Queue";
pub const DEMO_STORAGE: &str = "Email Logging/Storage";
pub const DEMO_SKIPPED: &str = "Email Logging/Skipped";
pub const DEMO_ADMIN: &str = "admin@contoso.example";

pub struct Salesperson {
    pub code: &'static str,
    pub name: &'static str,
    pub email: &'static str,
}

pub struct Contact {
    pub no: String,
    pub name: String,
    pub company: &'static str,
    pub email: String,
    pub alt_emails: Vec<String>,
}

pub const SALESPEOPLE: &[Salesperson] = &[
    Salesperson {
        code: "AH",
        name: "Annette Hill",
        email: "annette.hill@contoso.example",
    },
    Salesperson {
        code: "BD",
        name: "Benjamin Diaz",
        email: "ben.diaz@contoso.example",
    },
    Salesperson {
        code: "JO",
        name: "Jim Olive",
        email: "jim.olive@contoso.example",
    },
    Salesperson {
        code: "LT",
        name: "Linda Torres",
        email: "linda.torres@contoso.example",
    },
    Salesperson {
        code: "PS",
        name: "Priya Shah",
        email: "priya.shah@contoso.example",
    },
];

const COMPANIES: &[(&str, &str)] = &[
    ("Fabrikam, Inc.", "fabrikam.example"),
    ("Northwind Traders", "northwind.example"),
    ("Adventure Works", "adventure-works.example"),
    ("Litware, Inc.", "litware.example"),
    ("Tailspin Toys", "tailspin.example"),
    ("Wingtip Toys", "wingtip.example"),
    ("Proseware, Inc.", "proseware.example"),
    ("Woodgrove Bank", "woodgrove.example"),
];

const FIRST: &[&str] = &[
    "Alex", "Maria", "Chen", "Sofia", "Omar", "Hannah", "Lucas", "Aiko", "Mateo", "Grace", "Ivan",
    "Nora", "Ravi", "Elena", "Tom", "Zoe", "Kofi", "Mia",
];
const LAST: &[&str] = &[
    "Berg", "Costa", "Ng", "Larsen", "Haddad", "Meyer", "Silva", "Tanaka", "Rossi", "Kim",
    "Petrov", "Walsh", "Iyer", "Novak", "Brown", "Adams",
];

const TOPICS: &[&str] = &[
    "Quote for 40 conference chairs",
    "Renewal of the support contract",
    "Delivery dates for order 10452",
    "Pricing for the spring catalogue",
    "Meeting next Tuesday?",
    "Samples arrived",
    "Invoice 2024-118 question",
    "Volume discount proposal",
    "Trade show follow-up",
    "New warehouse location",
    "Product demo recording",
    "Payment terms",
    "Updated specification sheet",
    "Introduction: our new buyer",
    "Framework agreement draft",
];

/// The demo's contacts: four or five per company, some with alternative addresses.
pub fn contacts() -> Vec<Contact> {
    let mut out = Vec::new();
    let mut n = 0usize;
    for (ci, (company, domain)) in COMPANIES.iter().enumerate() {
        for k in 0..(4 + ci % 2) {
            let first = FIRST[(ci * 5 + k * 3) % FIRST.len()];
            let last = LAST[(ci * 3 + k * 7) % LAST.len()];
            n += 1;
            let email = format!(
                "{}.{}@{}",
                first.to_lowercase(),
                last.to_lowercase(),
                domain
            );
            let alt_emails = if k == 0 {
                vec![format!(
                    "{}@{}",
                    first.to_lowercase(),
                    domain.replace(".example", "-mail.example")
                )]
            } else {
                vec![]
            };
            out.push(Contact {
                no: format!("CT{n:04}"),
                name: format!("{first} {last}"),
                company,
                email,
                alt_emails,
            });
        }
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Writes `salespeople.csv` and `contacts.csv` in the formats `emaillog import` reads.
pub fn write_people_csv(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut sp = String::from("code,name,email\n");
    for s in SALESPEOPLE {
        sp.push_str(&format!("{},{},{}\n", s.code, csv_field(s.name), s.email));
    }
    std::fs::write(dir.join("salespeople.csv"), sp)?;
    let mut ct = String::from("no,name,company,email,alt_emails\n");
    for c in contacts() {
        ct.push_str(&format!(
            "{},{},{},{},{}\n",
            c.no,
            csv_field(&c.name),
            csv_field(c.company),
            c.email,
            c.alt_emails.join(";")
        ));
    }
    std::fs::write(dir.join("contacts.csv"), ct)
}

fn addr(name: &str, address: &str) -> Value {
    json!({"emailAddress": {"name": name, "address": address}})
}

fn fmt(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// One demo message received at `at`, in Graph's shape.
pub fn message(rng: &mut impl Rng, contacts: &[Contact], at: DateTime<Utc>) -> Value {
    let sp = &SALESPEOPLE[rng.random_range(0..SALESPEOPLE.len())];
    let c = &contacts[rng.random_range(0..contacts.len())];
    let topic = *TOPICS.choose(rng).unwrap_or(&"Hello");
    let sent = at - Duration::seconds(rng.random_range(2..90));
    let roll: u32 = rng.random_range(0..100);
    let reply = rng.random_bool(0.4);
    let subject = if reply {
        format!("RE: {topic}")
    } else {
        topic.to_string()
    };
    let mut headers = vec![
        json!({"name": "Message-ID", "value": format!("<{}@mail.example>", crate::sim::ids::opaque_token(10))}),
    ];
    let mut msg = json!({
        "subject": subject,
        "receivedDateTime": fmt(at),
        "sentDateTime": fmt(sent),
        "toRecipients": [],
        "ccRecipients": [],
    });
    let body_for = |from: &str, to: &str| {
        format!(
            "Hi {to},\n\nFollowing up on \"{topic}\": could you confirm the details by Friday?\n\nBest regards,\n{from}"
        )
    };
    match roll {
        0..=39 => {
            msg["from"] = addr(&c.name, &c.email);
            msg["toRecipients"] = json!([addr(sp.name, sp.email)]);
            if rng.random_bool(0.3) {
                let other = &SALESPEOPLE[rng.random_range(0..SALESPEOPLE.len())];
                msg["ccRecipients"] = json!([addr(other.name, other.email)]);
            }
            msg["body"] = json!({"contentType": "text", "content": body_for(&c.name, sp.name)});
        }
        40..=74 => {
            msg["from"] = addr(sp.name, sp.email);
            msg["toRecipients"] = json!([addr(&c.name, &c.email)]);
            if rng.random_bool(0.3) {
                let colleague = contacts
                    .iter()
                    .find(|o| o.company == c.company && o.no != c.no);
                if let Some(o) = colleague {
                    msg["ccRecipients"] = json!([addr(&o.name, &o.email)]);
                }
            }
            msg["body"] = json!({"contentType": "html", "content": format!("<html><body><p>{}</p></body></html>", body_for(sp.name, &c.name).replace('\n', "<br>"))});
        }
        75..=81 => {
            let first = FIRST[rng.random_range(0..FIRST.len())];
            msg["from"] = addr(first, &format!("{}@gmail.example", first.to_lowercase()));
            msg["toRecipients"] = json!([addr(sp.name, sp.email)]);
            msg["subject"] = json!("Question about your products");
            msg["body"] =
                json!({"contentType": "text", "content": "Hello, do you ship to Norway?"});
        }
        82..=85 => {
            msg["from"] = addr(sp.name, sp.email);
            msg["toRecipients"] = json!([addr(&c.name, &c.email)]);
            msg["isDraft"] = json!(true);
            msg["body"] = json!({"contentType": "text", "content": "(draft) Let me check with the warehouse first."});
        }
        86..=90 => {
            msg["from"] = addr(&c.name, &c.email);
            msg["toRecipients"] = json!([addr(sp.name, sp.email)]);
            msg["subject"] = json!("Personal: dinner on Friday");
            msg["singleValueExtendedProperties"] = json!([{"id": "Integer 0x36", "value": "2"}]);
            msg["body"] =
                json!({"contentType": "text", "content": "Private note, not for the CRM."});
        }
        91..=95 => {
            msg["from"] = addr(&c.name, &c.email);
            msg["toRecipients"] = json!([addr(sp.name, sp.email)]);
            msg["subject"] = json!(format!("Automatic reply: {topic}"));
            headers.push(json!({"name": "Auto-Submitted", "value": "auto-replied"}));
            msg["body"] =
                json!({"contentType": "text", "content": "I am out of the office until Monday."});
        }
        _ => {
            msg["from"] = addr("Fabrikam News", "noreply@fabrikam.example");
            msg["toRecipients"] = json!([addr(sp.name, sp.email)]);
            msg["subject"] = json!("Fabrikam newsletter: what's new this month");
            headers.push(json!({"name": "Precedence", "value": "bulk"}));
            msg["body"] = json!({"contentType": "html", "content": "<html><body><h1>News</h1><p>Our autumn range is here.</p></body></html>"});
        }
    }
    msg["internetMessageHeaders"] = Value::Array(headers);
    // Some correspondence carries a document, and our HTML mail a logo.
    if roll < 75 && rng.random_bool(0.2) {
        use base64::Engine;
        let doc = format!("%PDF-1.4\n% {topic}\n%%EOF\n");
        msg["attachments"] = json!([{
            "name": format!("{topic}.pdf"),
            "contentType": "application/pdf",
            "contentBytes": base64::engine::general_purpose::STANDARD.encode(doc),
        }]);
    }
    // A topic between one company and us is one conversation (as Outlook
    // threads a subject and its replies).
    let thread = format!("{}|{}", topic, c.company);
    msg["conversationId"] = json!(crate::sim::ids::conversation_id_for(&thread));
    msg
}

/// The backlog the demo starts with: `n` messages, most over the last
/// three days, a fifth over the ten before (so some conversations wait for
/// an answer past their working days, as on a real Monday).
pub fn backlog(rng: &mut impl Rng, n: usize, now: DateTime<Utc>) -> Vec<Value> {
    let people = contacts();
    (0..n)
        .map(|_| {
            let minutes = if rng.random_bool(0.2) {
                rng.random_range(3 * 24 * 60..13 * 24 * 60)
            } else {
                rng.random_range(5..3 * 24 * 60)
            };
            message(rng, &people, now - Duration::minutes(minutes))
        })
        .collect()
}
