use super::*;

fn p(args: &[&str]) -> Result<Command, String> {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    parse(&args, &|_| None)
}

#[test]
fn defaults_and_flags() {
    let Ok(Command::Serve(c)) = p(&["--addr", "127.0.0.1:0", "--public-url=https://Chat.Example.com/"]) else { panic!() };
    assert_eq!(c.public_url, "https://chat.example.com");
    assert!(c.https());
    let Ok(Command::Serve(c)) = p(&[]) else { panic!() };
    assert_eq!(c.public_url, "http://127.0.0.1:8080");
}

#[test]
fn env_is_read_and_flags_win() {
    let env = |k: &str| (k == "FRONTDESK_MAX_CONNECTIONS").then(|| "5".to_string());
    let Ok(Command::Serve(c)) = parse(&[], &env) else { panic!() };
    assert_eq!(c.max_connections, 5);
    let Ok(Command::Serve(c)) = parse(&["--max-connections".into(), "7".into()], &env) else { panic!() };
    assert_eq!(c.max_connections, 7);
}

#[test]
fn bad_options_are_errors() {
    assert!(p(&["--addr", "nope"]).is_err());
    assert!(p(&["--bogus"]).is_err());
    assert!(p(&["frobnicate"]).is_err());
    assert!(p(&["--public-url", "ftp://x"]).is_err());
    assert!(p(&["admin", "create", "--email", "a@b.c"]).is_err());
    assert!(p(&["--trusted-proxies", "10.0.0.0/40"]).unwrap_err().contains("10.0.0.0/40"));
    let env = |k: &str| (k == "FRONTDESK_TRUSTED_PROXIES").then(|| "127.0.0.1,nope".to_string());
    assert!(parse(&[], &env).unwrap_err().starts_with("FRONTDESK_TRUSTED_PROXIES: invalid --trusted-proxies entry 'nope'"));
}

#[test]
fn trusted_proxies_and_the_loopback_alias() {
    let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
    let Ok(Command::Serve(c)) = p(&[]) else { panic!() };
    assert!(c.trusted_proxies.is_empty(), "no one is trusted by default");
    let Ok(Command::Serve(c)) = p(&["--trusted-proxies", "10.0.0.0/8, fd00::/8"]) else { panic!() };
    assert!(c.trusted_proxies.contains(ip("10.1.2.3")) && c.trusted_proxies.contains(ip("fd00::1")));
    assert!(!c.trusted_proxies.contains(ip("127.0.0.1")));
    for alias in [&["--trust-proxy"][..], &["--trust-proxy=true"]] {
        let Ok(Command::Serve(c)) = p(alias) else { panic!() };
        assert!(c.trusted_proxies.contains(ip("127.0.0.1")) && c.trusted_proxies.contains(ip("::1")));
        assert!(!c.trusted_proxies.contains(ip("10.0.0.1")));
    }
    let Ok(Command::Serve(c)) = p(&["--trust-proxy", "--trusted-proxies=10.0.0.0/8"]) else { panic!() };
    assert!(c.trusted_proxies.contains(ip("127.0.0.1")) && c.trusted_proxies.contains(ip("10.0.0.1")));
    let env = |k: &str| (k == "FRONTDESK_TRUST_PROXY").then(|| "1".to_string());
    let Ok(Command::Serve(c)) = parse(&[], &env) else { panic!() };
    assert!(c.trusted_proxies.contains(ip("127.0.0.1")));
    let Ok(Command::Serve(c)) = p(&["--trust-proxy=false"]) else { panic!() };
    assert!(c.trusted_proxies.is_empty());
}
