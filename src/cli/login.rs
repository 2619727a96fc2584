//! `emaillog login`, `logout`.

use clap::Args;

use crate::app::App;
use crate::app::login::LoginPrompt;
use crate::domain::setup::AuthFlow;
use crate::domain::text::one_line;
use crate::engine::stop_pair;

#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct LoginArgs {
    /// Device code: open a URL anywhere and type a code (works over SSH).
    #[arg(long)]
    device_code: bool,
    /// Authorization code with PKCE: a browser comes back to the loopback
    /// redirect URL (forward its port over SSH).
    #[arg(long)]
    browser: bool,
    /// App-only (client credentials): no account, for unattended servers.
    #[arg(long)]
    app_only: bool,
}

pub async fn login(app: &App, args: LoginArgs) -> anyhow::Result<()> {
    let flow = if args.device_code {
        Some(AuthFlow::DeviceCode)
    } else if args.browser {
        Some(AuthFlow::AuthCode)
    } else if args.app_only {
        Some(AuthFlow::ClientCredentials)
    } else {
        None
    };
    let (handle, stop) = stop_pair();
    let cancel = tokio::spawn(async move {
        super::wait_for_stop().await;
        handle.stop();
    });
    let outcome = app
        .login(
            flow,
            |prompt| match prompt {
                LoginPrompt::Device(p) => {
                    println!("{}", one_line(&p.message));
                    println!("  URL:  {}\n  code: {}\n  (the code is valid for {} minutes; Ctrl-C cancels)", one_line(&p.verification_uri), one_line(&p.user_code), p.expires_in_secs / 60);
                }
                LoginPrompt::OpenUrl(u) => {
                    println!("Open this URL in a browser (over SSH, forward the redirect port first, e.g. ssh -L 8400:localhost:8400 this-server):");
                    println!("{u}");
                }
            },
            &stop,
        )
        .await;
    cancel.abort();
    let outcome = outcome?;
    match &outcome.previous_account {
        Some(prev) if *prev != outcome.account => println!(
            "signed in as {} (was {prev}); the job now runs as {} and was restarted",
            outcome.account, outcome.account
        ),
        _ => println!(
            "signed in as {} ({})",
            outcome.account,
            outcome.flow.as_str()
        ),
    }
    Ok(())
}

pub fn logout(app: &App) -> anyhow::Result<()> {
    match app.logout()? {
        Some(a) => {
            println!("signed out {a}; the tokens are deleted. Sign in again with `emaillog login`.")
        }
        None => println!("nobody was signed in"),
    }
    Ok(())
}
