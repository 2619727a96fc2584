//! The scripts an admin runs once: Exchange Online PowerShell for the shared
//! mailbox, permissions and mail flow rules, and the `az` CLI steps for the
//! app registration. Every value is validated and quoted, so no input can
//! break out of the script.

use crate::domain::normalize_address;
use crate::domain::setup::check_endpoint;

/// Microsoft Graph's application id, and the permission ids the app needs.
const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
const MAIL_READWRITE_SHARED_DELEGATED: &str = "5df07973-7d5d-46ed-9847-1271055cbd51";
const OFFLINE_ACCESS_DELEGATED: &str = "7427e0e9-2fba-42fe-b0c0-848c9e6a8182";
const MAIL_READWRITE_APPLICATION: &str = "e2a3a72e-5f79-4c64-b1b1-878b674786c9";

/// A PowerShell single-quoted string: only `'` is special, and it doubles.
pub fn ps_quote(s: &str) -> String {
    format!(
        "'{}'",
        s.replace('\'', "''")
            .replace(['\u{2018}', '\u{2019}', '\u{201a}', '\u{201b}'], "''")
    )
}

/// A POSIX shell single-quoted string.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn address(what: &str, raw: &str) -> Result<String, String> {
    normalize_address(raw).ok_or_else(|| format!("{what} '{raw}' is not an email address"))
}

/// The Exchange Online PowerShell: shared mailbox, the logging account's
/// FullAccess, Reviewer on Archive for `readers`, and the two mail flow rules.
pub fn exchange(
    mailbox: &str,
    logging_account: Option<&str>,
    readers: &[String],
) -> Result<String, String> {
    let mailbox = address("shared mailbox", mailbox)?;
    let account = logging_account
        .map(|a| address("logging account", a))
        .transpose()?;
    let readers = readers
        .iter()
        .map(|r| address("reader", r))
        .collect::<Result<Vec<_>, _>>()?;
    let name = mailbox.split('@').next().unwrap_or("emaillog");
    let mut s = String::new();
    s.push_str(
        "# emaillog: run once in Exchange Online PowerShell as an Exchange administrator.\n",
    );
    s.push_str("# Connect-ExchangeOnline -UserPrincipalName admin@your-domain\n\n");
    s.push_str(&format!("$Shared = {}\n", ps_quote(&mailbox)));
    s.push_str("\n# 1. The shared mailbox the mail flow rules copy into.\n");
    s.push_str(&format!(
        "New-Mailbox -Shared -Name {} -DisplayName {} -PrimarySmtpAddress $Shared\n",
        ps_quote(name),
        ps_quote(&format!("emaillog ({name})"))
    ));
    match &account {
        Some(a) => {
            s.push_str("\n# 2. The account emaillog signs in as reads and moves the mail.\n");
            s.push_str(&format!("Add-MailboxPermission -Identity $Shared -User {} -AccessRights FullAccess -InheritanceType All -AutoMapping $false\n", ps_quote(a)));
        }
        None => s.push_str("\n# 2. App-only sign-in: no account needs FullAccess (limit the app with New-ApplicationAccessPolicy).\n"),
    }
    if !readers.is_empty() {
        s.push_str("\n# 3. Users who may open logged mail in Outlook on the web.\n");
        for r in &readers {
            s.push_str(&format!("Add-MailboxPermission -Identity $Shared -User {} -AccessRights ReadPermission -InheritanceType None -AutoMapping $false\n", ps_quote(r)));
            s.push_str(&format!("Add-MailboxFolderPermission -Identity ($Shared + ':\\Archive') -User {} -AccessRights Reviewer\n", ps_quote(r)));
        }
    }
    s.push_str("\n# 4. The mail flow rules: every message crossing the organisation's boundary is copied (BCC).\n");
    s.push_str("New-TransportRule -Name 'Log email sent to this organization' -FromScope NotInOrganization -SentToScope InOrganization -BlindCopyTo $Shared\n");
    s.push_str("New-TransportRule -Name 'Log email sent from this organization' -FromScope InOrganization -SentToScope NotInOrganization -BlindCopyTo $Shared\n");
    Ok(s)
}

/// The app registration with the `az` CLI: delegated Mail.ReadWrite.Shared and
/// offline_access, public client flows on (device code), the redirect URL,
/// and optionally the application permission for app-only sign-in.
pub fn app_registration(
    display_name: &str,
    redirect_url: &str,
    app_only: bool,
) -> Result<String, String> {
    if display_name.trim().is_empty() || display_name.chars().any(char::is_control) {
        return Err("the app name must be one line of text".into());
    }
    check_endpoint("redirect URL", redirect_url)?;
    let mut s = String::new();
    s.push_str("#!/bin/sh\n# emaillog: the app registration, with the Azure CLI (az login as an admin of the tenant).\nset -eu\n\n");
    s.push_str(&format!(
        "APP_ID=$(az ad app create --display-name {} --sign-in-audience AzureADMyOrg --is-fallback-public-client true --public-client-redirect-uris {} --query appId -o tsv)\n",
        sh_quote(display_name.trim()),
        sh_quote(redirect_url)
    ));
    s.push_str("echo \"client id: $APP_ID\"\n\n# Delegated Mail.ReadWrite.Shared and offline_access on Microsoft Graph.\n");
    s.push_str(&format!("az ad app permission add --id \"$APP_ID\" --api {GRAPH_APP_ID} --api-permissions {MAIL_READWRITE_SHARED_DELEGATED}=Scope {OFFLINE_ACCESS_DELEGATED}=Scope\n"));
    if app_only {
        s.push_str("\n# App-only sign-in (client credentials): the Mail.ReadWrite application permission and a secret.\n");
        s.push_str(&format!("az ad app permission add --id \"$APP_ID\" --api {GRAPH_APP_ID} --api-permissions {MAIL_READWRITE_APPLICATION}=Role\n"));
        s.push_str("az ad sp create --id \"$APP_ID\" >/dev/null\n");
        s.push_str("az ad app credential reset --id \"$APP_ID\" --display-name emaillog --years 1 --query password -o tsv | emaillog setup secret --stdin\n");
    } else {
        s.push_str("az ad sp create --id \"$APP_ID\" >/dev/null\n");
    }
    s.push_str("az ad app permission admin-consent --id \"$APP_ID\"\n\n");
    s.push_str("emaillog setup set --client-id \"$APP_ID\"\n");
    Ok(s)
}

/// The generated scripts written to files, for the assisted setup.
pub const EXCHANGE_SCRIPT_FILE: &str = "emaillog-exchange.ps1";
pub const APP_SCRIPT_FILE: &str = "emaillog-app-registration.sh";

impl super::App {
    /// Writes the Exchange Online PowerShell and the `az` app registration
    /// script for the current setup into `dir`; returns the files written.
    pub fn write_setup_scripts(
        &self,
        dir: &std::path::Path,
    ) -> super::Result<Vec<std::path::PathBuf>> {
        use crate::domain::setup::AuthFlow;
        let setup = self.setup()?;
        if setup.mailbox.is_empty() {
            return Err(super::AppError::Invalid(
                "set the shared mailbox first: the Exchange script creates it".into(),
            ));
        }
        let account = setup.logging_account();
        let exchange =
            exchange(&setup.mailbox, account.as_deref(), &[]).map_err(super::AppError::Invalid)?;
        let app = app_registration(
            "emaillog",
            &setup.redirect_url,
            setup.auth_flow == AuthFlow::ClientCredentials,
        )
        .map_err(super::AppError::Invalid)?;
        if !dir.is_dir() {
            return Err(super::AppError::Invalid(format!(
                "{} is not a folder; give an existing folder",
                dir.display()
            )));
        }
        let mut written = Vec::new();
        for (name, text) in [(EXCHANGE_SCRIPT_FILE, exchange), (APP_SCRIPT_FILE, app)] {
            let path = dir.join(name);
            std::fs::write(&path, text).map_err(|e| {
                super::AppError::Invalid(format!("cannot write {}: {e}", path.display()))
            })?;
            written.push(path);
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_cannot_be_broken_out_of() {
        assert_eq!(ps_quote("o'brien"), "'o''brien'");
        assert_eq!(ps_quote("a\u{2019}b"), "'a''b'");
        assert_eq!(sh_quote("it's"), "'it'\\''s'");
    }

    #[test]
    fn addresses_are_validated() {
        assert!(exchange("crm@contoso.example", None, &[]).is_ok());
        assert!(exchange("'; Remove-Mailbox x; '", None, &[]).is_err());
        assert!(exchange("crm@contoso.example", Some("not an address"), &[]).is_err());
        assert!(
            exchange(
                "crm@contoso.example",
                None,
                &["x@y.example'; Get-Process; '".into()]
            )
            .is_err()
        );
        let s = exchange(
            "crm@contoso.example",
            Some("admin@contoso.example"),
            &["jane@contoso.example".into()],
        )
        .unwrap();
        assert!(s.contains(
            "-FromScope NotInOrganization -SentToScope InOrganization -BlindCopyTo $Shared"
        ));
        assert!(s.contains(
            "-FromScope InOrganization -SentToScope NotInOrganization -BlindCopyTo $Shared"
        ));
        assert!(s.contains("-AccessRights FullAccess"));
        assert!(s.contains("Reviewer"));
    }

    #[test]
    fn app_script_quotes_the_name_and_checks_the_redirect() {
        let s = app_registration("emaillog 'prod'", "http://localhost:8400/", false).unwrap();
        assert!(s.contains("--display-name 'emaillog '\\''prod'\\'''"));
        assert!(app_registration("x", "http://evil.example/", false).is_err());
        assert!(app_registration("x\ny", "http://localhost:8400/", false).is_err());
    }
}
