//! `oss config`: create or change the configuration file (owner-only), as ossutil 2.0's
//! `config` does: interactively, `set`, `get`, `list-profiles`, `credential`; and `migrate`
//! from the earlier `~/.oss/config.toml`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use serde_json::json;

use super::Ctx;
use crate::args::{ConfigAction, ConfigArgs};
use crate::config::{self, canonical, normalize, ConfigFile};
use crate::error::CliError;
use crate::settings::{ConfigContext, CredentialMode, Source};

/// Runs `oss config …`.
pub async fn config(ctx: &Ctx, args: ConfigArgs) -> Result<(), CliError> {
    let cc = ctx.config_context(true)?;
    match args.action {
        None => interactive(ctx, cc),
        Some(ConfigAction::Set { key, value }) => set(ctx, cc, &key, &value),
        Some(ConfigAction::Get { key }) => get(ctx, cc, &key),
        Some(ConfigAction::ListProfiles) => list_profiles(ctx, cc),
        Some(ConfigAction::Credential { settings }) => credential(ctx, cc, &settings),
        Some(ConfigAction::Migrate) => migrate(ctx, cc),
    }
}

fn path_of(cc: &ConfigContext) -> Result<PathBuf, CliError> {
    cc.path.clone().ok_or_else(|| {
        CliError::usage("no configuration file: HOME is not set; pass --config-file PATH")
    })
}

/// The file to edit (empty when it does not exist yet).
fn file_of(cc: &ConfigContext) -> ConfigFile {
    cc.file.clone().unwrap_or_default()
}

/// Writes the file, or says what would be written.
fn save(ctx: &Ctx, file: &ConfigFile, path: &std::path::Path, what: &str) -> Result<(), CliError> {
    if ctx.dry_run() {
        return ctx.out.record(
            "Config",
            json!({"File": path.display().to_string(), "DryRun": true, "Change": what}),
            || format!("would write {} ({what})", path.display()),
        );
    }
    file.save(path)?;
    ctx.out.done(
        "Config",
        json!({"File": path.display().to_string(), "Change": what}),
        || format!("wrote {} ({what})", path.display()),
    )
}

/// Checks a value before it is written.
fn check_value(key: &str, value: &str) -> Result<(), CliError> {
    if value.is_empty() {
        return Ok(());
    }
    let ok = match key {
        "sign-version" => matches!(value.to_ascii_lowercase().as_str(), "v1" | "v4" | "1" | "4"),
        "mode" => CredentialMode::parse(value).is_some(),
        "addressing-style" => matches!(value, "virtual" | "path" | "cname"),
        "output-format" => matches!(value, "text" | "raw" | "json" | "yaml" | "xml"),
        "connect-timeout"
        | "read-timeout"
        | "retry-times"
        | "credential-process-timeout"
        | "role-duration" => value.parse::<u64>().is_ok(),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(CliError::usage(format!("{value:?} is not a valid {key}")))
    }
}

fn set(ctx: &Ctx, cc: ConfigContext, key: &str, value: &str) -> Result<(), CliError> {
    let name = canonical(key).ok_or_else(|| {
        CliError::usage(format!(
            "unknown key {key:?}; known: {}",
            config::KEYS
                .iter()
                .map(|(k, _)| *k)
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    check_value(name, value)?;
    let path = path_of(&cc)?;
    let mut file = file_of(&cc);
    file.set(&cc.profile, name, value);
    let change = if value.is_empty() {
        format!("[{}] {name} removed", cc.profile)
    } else {
        format!("[{}] {name} set", cc.profile)
    };
    save(ctx, &file, &path, &change)
}

fn get(ctx: &Ctx, cc: ConfigContext, key: &str) -> Result<(), CliError> {
    let name = canonical(key).unwrap_or(key);
    let file = file_of(&cc);
    let values = file.resolved_profile(&cc.profile)?;
    let value = values.get(&normalize(name)).ok_or_else(|| {
        CliError::failed(format!(
            "{name} is not set in profile [{}] of {}",
            cc.profile,
            cc.path
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "the configuration file".into())
        ))
    })?;
    let source = Source::File {
        origin: file.origin.clone(),
        line: value.line,
    };
    ctx.out.record(
        "Config",
        json!({"Profile": cc.profile, "Key": name, "Value": value.value,
               "Source": source.to_string()}),
        || value.value.clone(),
    )
}

fn list_profiles(ctx: &Ctx, cc: ConfigContext) -> Result<(), CliError> {
    let file = file_of(&cc);
    let mut printer = ctx.out.list("Profiles", "Profile")?;
    let names = file.profiles();
    for name in &names {
        let source = file
            .profile(name)
            .get(&normalize("source-profile"))
            .map(|v| v.value.clone());
        let current = *name == cc.profile;
        printer.item(
            json!({"Name": name, "SourceProfile": source, "Current": current}),
            || {
                let mut t = format!("{}{name}", if current { "* " } else { "  " });
                if let Some(s) = &source {
                    t.push_str(&format!(" (from {s})"));
                }
                t
            },
        )?;
    }
    printer.finish(json!({"Profiles": names.len()}), String::new)
}

/// Reads one answer; `secret` hides the typing on a terminal.
fn ask(question: &str, current: Option<&str>, secret: bool) -> Result<Option<String>, CliError> {
    let shown = match current {
        Some(c) if secret && c.len() > 4 => format!(" [****{}]", &c[c.len() - 2..]),
        Some(c) if secret => format!(" [{}]", "*".repeat(c.len())),
        Some(c) => format!(" [{c}]"),
        None => String::new(),
    };
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "{question}{shown}: ");
    let _ = err.flush();
    drop(err);
    let line = if secret && std::io::stdin().is_terminal() {
        read_hidden()
    } else {
        let mut s = String::new();
        std::io::stdin().lock().read_line(&mut s).map(|_| s)
    }
    .map_err(|e| CliError::io("cannot read the answer", e))?;
    let v = line.trim().to_string();
    Ok((!v.is_empty()).then_some(v))
}

#[cfg(unix)]
fn read_hidden() -> std::io::Result<String> {
    use rustix::termios::{tcgetattr, tcsetattr, LocalModes, OptionalActions};
    let stdin = std::io::stdin();
    let old = tcgetattr(&stdin)?;
    let mut quiet = old.clone();
    quiet.local_modes.remove(LocalModes::ECHO);
    tcsetattr(&stdin, OptionalActions::Now, &quiet)?;
    let mut s = String::new();
    let r = stdin.lock().read_line(&mut s);
    let _ = tcsetattr(&stdin, OptionalActions::Now, &old);
    eprintln!();
    r.map(|_| s)
}

#[cfg(not(unix))]
fn read_hidden() -> std::io::Result<String> {
    let mut s = String::new();
    std::io::stdin().lock().read_line(&mut s).map(|_| s)
}

/// Asks for the basic settings (ossutil's `config`): file, access key, region, endpoint.
fn interactive(ctx: &Ctx, mut cc: ConfigContext) -> Result<(), CliError> {
    let default_path = path_of(&cc)?;
    eprintln!(
        "Profile [{}] of the configuration file. Press Enter to keep a value.",
        cc.profile
    );
    if let Some(p) = ask(
        "Configuration file",
        Some(&default_path.display().to_string()),
        false,
    )? {
        let path = PathBuf::from(p);
        if path != default_path {
            cc.file = ConfigFile::load(&path)?;
            cc.path = Some(path);
        }
    }
    let path = path_of(&cc)?;
    let mut file = file_of(&cc);
    let current = file.profile(&cc.profile);
    let cur = |k: &str| current.get(&normalize(k)).map(|v| v.value.clone());
    let mut changed = Vec::new();
    for (key, question, secret, fallback) in [
        ("access-key-id", "AccessKey ID", true, None),
        ("access-key-secret", "AccessKey secret", true, None),
        ("region", "Region", false, Some("cn-hangzhou")),
        (
            "endpoint",
            "Endpoint (empty: the public endpoint of the region)",
            false,
            None,
        ),
    ] {
        let now = cur(key);
        let shown = now.clone().or(fallback.map(str::to_string));
        match ask(question, shown.as_deref(), secret)? {
            Some(v) => {
                check_value(key, &v)?;
                file.set(&cc.profile, key, &v);
                changed.push(key);
            }
            None if now.is_none() && fallback.is_some() => {
                file.set(&cc.profile, key, fallback.unwrap_or_default());
                changed.push(key);
            }
            None => {}
        }
    }
    if changed.is_empty() {
        return ctx.out.note("nothing changed");
    }
    save(
        ctx,
        &file,
        &path,
        &format!("[{}] {}", cc.profile, changed.join(", ")),
    )
}

/// Sets the credential settings of the profile from `--mode`, the credential options and
/// `KEY=VALUE`s; asks for them when none is given.
fn credential(ctx: &Ctx, cc: ConfigContext, settings: &[String]) -> Result<(), CliError> {
    let path = path_of(&cc)?;
    let mut values: Vec<(&'static str, String)> = Vec::new();
    let g = &ctx.global;
    for (key, v) in [
        ("mode", &g.mode),
        ("access-key-id", &g.access_key_id),
        ("access-key-secret", &g.access_key_secret),
        ("sts-token", &g.sts_token),
    ] {
        if let Some(v) = v {
            values.push((key, v.clone()));
        }
    }
    for s in settings {
        let (k, v) = s
            .split_once('=')
            .ok_or_else(|| CliError::usage(format!("{s:?}: credential settings are KEY=VALUE")))?;
        let name = canonical(k).ok_or_else(|| CliError::usage(format!("unknown key {k:?}")))?;
        values.push((name, v.trim().to_string()));
    }
    if values.is_empty() {
        // Ask: the mode, then what it needs.
        let answer = ask(
            "Credential mode (AK, StsToken, RamRoleArn, EcsRamRole, OidcRoleArn, Process, \
             CredentialsUri, DefaultChain, Anonymous)",
            Some("AK"),
            false,
        )?
        .unwrap_or_else(|| "AK".into());
        let mode = CredentialMode::parse(&answer)
            .ok_or_else(|| CliError::usage(format!("unknown credential mode {answer:?}")))?;
        values.push(("mode", mode.name().to_string()));
        let (required, optional) = mode.keys();
        for key in required.iter().chain(optional.iter()) {
            let secret = matches!(*key, "access-key-secret" | "sts-token");
            if let Some(v) = ask(key, None, secret)? {
                values.push((key, v));
            }
        }
    }
    let mode = values
        .iter()
        .find(|(k, _)| *k == "mode")
        .map(|(_, v)| v.clone());
    if let Some(m) = &mode {
        let parsed = CredentialMode::parse(m)
            .ok_or_else(|| CliError::usage(format!("unknown credential mode {m:?}")))?;
        let (required, _) = parsed.keys();
        let file = file_of(&cc);
        let existing = file.resolved_profile(&cc.profile).unwrap_or_default();
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|k| {
                !values.iter().any(|(n, _)| n == k) && !existing.contains_key(&normalize(k))
            })
            .collect();
        if !missing.is_empty() {
            return Err(CliError::usage(format!(
                "the {} mode needs {} (as --{} or KEY=VALUE)",
                parsed.name(),
                missing.join(", "),
                missing[0]
            )));
        }
        values.retain(|(k, _)| *k != "mode");
        values.insert(0, ("mode", parsed.name().to_string()));
    }
    let mut file = file_of(&cc);
    for (k, v) in &values {
        check_value(k, v)?;
        file.set(&cc.profile, k, v);
    }
    let keys: Vec<&str> = values.iter().map(|(k, _)| *k).collect();
    save(
        ctx,
        &file,
        &path,
        &format!("[{}] {}", cc.profile, keys.join(", ")),
    )
}

/// Copies the earlier `~/.oss/config.toml` into the profile.
fn migrate(ctx: &Ctx, cc: ConfigContext) -> Result<(), CliError> {
    let old_path = config::legacy_config_path()
        .ok_or_else(|| CliError::usage("HOME is not set: no earlier configuration to migrate"))?;
    let old = ConfigFile::load(&old_path)?.ok_or_else(|| {
        CliError::usage(format!(
            "{} does not exist: nothing to migrate",
            old_path.display()
        ))
    })?;
    let path = path_of(&cc)?;
    let mut file = file_of(&cc);
    let existing = file.profile(&cc.profile);
    if !existing.is_empty() {
        crate::confirm::confirm(
            ctx.global.force || ctx.dry_run(),
            &format!(
                "Profile [{}] of {} already has settings; replace the ones the old file has?",
                cc.profile,
                path.display()
            ),
        )?;
    }
    let values = old.profile("default");
    let mut keys = Vec::new();
    let mut sign_version = false;
    for (k, v) in &values {
        let Some(name) = canonical(k) else { continue };
        sign_version |= name == "sign-version";
        let value = match name {
            "sign-version" => match v.value.as_str() {
                "1" => "v1".to_string(),
                "4" => "v4".to_string(),
                other => other.to_string(),
            },
            _ => v.value.clone(),
        };
        file.set(&cc.profile, name, &value);
        keys.push(name);
    }
    if !sign_version {
        // The old file signed with V1 unless told otherwise: it still does.
        file.set(&cc.profile, "sign-version", "v1");
        keys.push("sign-version");
        if !ctx.global.quiet {
            eprintln!(
                "oss: note: the old file signed with V1, so the profile says sign-version = v1; \
                 remove it (with a region set) to sign with V4"
            );
        }
    }
    save(
        ctx,
        &file,
        &path,
        &format!(
            "[{}] {} from {}",
            cc.profile,
            keys.join(", "),
            old_path.display()
        ),
    )
}
